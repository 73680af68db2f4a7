/**
 * How big the chart's texts are drawn, so that the layout leaves room for them: state boxes,
 * arrow labels (long ones broken into lines) and in-place events (wrapped). The charts' fonts are
 * monospace, so a character count is a close estimate; the browser tests measure the result.
 */

/** Approximate advance of one character of the chart's fonts, in px (12 px and 10 px monospace). */
export const CHAR_WIDTH = 7.4
export const SMALL_CHAR_WIDTH = 6.2
export const LINE_HEIGHT = 13
/** Events handled in place wrap at this many characters. */
export const INTERNAL_LINE_CHARS = 30
/** Room for a compound state's title and its in-place events above its children, in px. */
export const TITLE_HEIGHT = 24

/** The size of a simple state's box: its name, then its in-place events wrapped below. */
export function measureState(label: string, internal: readonly string[]): { width: number; height: number } {
  const lines = wrap(internal.join(', '), INTERNAL_LINE_CHARS)
  const width = Math.max(label.length * CHAR_WIDTH, ...lines.map((l) => l.length * SMALL_CHAR_WIDTH)) + 28
  return { width: Math.max(72, Math.ceil(width)), height: 30 + lines.length * LINE_HEIGHT }
}

/** Longest line of an edge label, in characters: a longer one breaks before its guard or at a comma. */
const LABEL_LINE_CHARS = 20

/** An arrow's label lines, long ones broken so that labels stay narrow. */
export function breakLabelLines(labels: readonly string[]): string[] {
  const lines: string[] = []
  for (const label of labels) {
    if (label.length <= LABEL_LINE_CHARS) {
      lines.push(label)
      continue
    }
    let line = ''
    // Break after a comma or a bar, before a guard, and inside a long dotted name after a dot.
    const tokens = label.split(/(?<=,|\|) | (?=\[)/).flatMap((t) => (t.length > LABEL_LINE_CHARS ? t.split(/(?<=\.)/) : [t]))
    for (const token of tokens) {
      const joint = line.endsWith('.') ? '' : ' '
      if (line && line.length + joint.length + token.length > LABEL_LINE_CHARS) {
        lines.push(line)
        line = token
      } else {
        line = line ? `${line}${joint}${token}` : token
      }
    }
    if (line) lines.push(line)
  }
  return lines
}

export function measureLabel(lines: readonly string[]): { width: number; height: number } | null {
  if (lines.length === 0) return null
  return { width: Math.ceil(Math.max(...lines.map((l) => l.length * SMALL_CHAR_WIDTH)) + 10), height: lines.length * LINE_HEIGHT + 4 }
}

/** Splits text at spaces into lines of at most `width` characters (a longer word gets its own line). */
export function wrap(text: string, width: number): string[] {
  if (text === '') return []
  const lines: string[] = []
  let line = ''
  for (const word of text.split(' ')) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line)
      line = word
    } else {
      line = line ? `${line} ${word}` : word
    }
  }
  if (line) lines.push(line)
  return lines
}

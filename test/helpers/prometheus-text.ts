/**
 * A strict reader of the Prometheus text exposition format (version 0.0.4), for tests: every line
 * must be a `# HELP`, a `# TYPE` or a sample; anything else throws, naming the line.
 */

/** One sample: metric name, its labels and its value. */
export interface PromSample {
  name: string
  labels: Record<string, string>
  value: number
}

const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*'
const LABEL = `[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\\\\n]|\\\\[\\\\"n])*"`
const VALUE = '(?:[+-]?(?:\\d+(?:\\.\\d*)?|\\.\\d+)(?:[eE][+-]?\\d+)?|NaN|[+-]Inf)'
const SAMPLE = new RegExp(`^(${NAME})(?:\\{((?:${LABEL})(?:,${LABEL})*)?,?\\})? (${VALUE})(?: -?\\d+)?$`)
const HELP = new RegExp(`^# HELP ${NAME} .*$`)
const TYPE = new RegExp(`^# TYPE ${NAME} (counter|gauge|histogram|summary|untyped)$`)
const LABEL_PAIR = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)"/g

/** Parses `text`; throws on the first line that is not valid exposition format. */
export function parsePrometheusText(text: string): PromSample[] {
  if (!text.endsWith('\n')) throw new Error('the exposition must end with a newline')
  const samples: PromSample[] = []
  for (const [index, line] of text.slice(0, -1).split('\n').entries()) {
    if (line === '' || HELP.test(line) || TYPE.test(line)) continue
    const match = SAMPLE.exec(line)
    if (!match) throw new Error(`line ${index + 1} is not valid exposition format: ${JSON.stringify(line)}`)
    const labels: Record<string, string> = {}
    for (const [, key, value] of (match[2] ?? '').matchAll(LABEL_PAIR))
      labels[key!] = value!.replace(/\\(.)/g, (_, c) => (c === 'n' ? '\n' : c))
    const raw = match[3]!
    samples.push({ name: match[1]!, labels, value: raw.endsWith('Inf') ? (raw.startsWith('-') ? -Infinity : Infinity) : Number(raw) })
  }
  return samples
}

/** The samples named `name` whose labels include `labels`. */
export function findSamples(samples: PromSample[], name: string, labels: Record<string, string> = {}): PromSample[] {
  return samples.filter((s) => s.name === name && Object.entries(labels).every(([key, value]) => s.labels[key] === value))
}

/** The value of the one sample named `name` with `labels`; undefined when none, throws when several. */
export function sampleValue(samples: PromSample[], name: string, labels: Record<string, string> = {}): number | undefined {
  const found = findSamples(samples, name, labels)
  if (found.length > 1) throw new Error(`${found.length} samples of ${name} match ${JSON.stringify(labels)}`)
  return found[0]?.value
}

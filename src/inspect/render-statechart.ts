/**
 * A static export of any XState v5 machine's statechart, for docs: an SVG laid out the way the
 * live view draws it (with its own style), or Mermaid `stateDiagram-v2` text for Markdown.
 */
import type { AnyStateMachine } from 'xstate'
import { ANY_STATE, buildChartModel } from './chart-model.js'
import type { ChartModel } from './chart-model.js'
import { describeBadChartFormat, describeBadChartMachine } from './messages.js'
import { layoutStatechart } from './statechart.js'
import { renderStatechartSvg } from './statechart-svg.js'

export interface XclusterStatechartOptions {
  /** `svg`: a standalone SVG document; `mermaid`: a `stateDiagram-v2` for Markdown. @default 'svg' */
  format?: 'svg' | 'mermaid'
}

/**
 * Renders `machine`'s statechart. Rejects with a TypeError when `machine` is not an XState
 * machine or `format` is unknown.
 *
 * @example
 * import { writeFile } from 'node:fs/promises'
 * await writeFile('docs/worker.svg', await renderStatechart(workerMachine, { format: 'svg' }))
 * await writeFile('docs/worker.mmd', await renderStatechart(workerMachine, { format: 'mermaid' }))
 */
export async function renderStatechart(machine: AnyStateMachine, options: XclusterStatechartOptions = {}): Promise<string> {
  const format = options.format ?? 'svg'
  const candidate = machine as unknown as { id?: unknown; root?: unknown } | null
  if (!candidate || typeof candidate !== 'object' || typeof candidate.id !== 'string' || candidate.root === undefined) {
    throw new TypeError(describeBadChartMachine(machine))
  }
  if (format !== 'svg' && format !== 'mermaid') throw new TypeError(describeBadChartFormat(format))
  const model = buildChartModel(machine)
  if (format === 'mermaid') return renderMermaid(model)
  const svg = renderStatechartSvg(await layoutStatechart(model), { standalone: true })
  return `<?xml version="1.0" encoding="UTF-8"?>\n${svg}\n`
}

/** The model as Mermaid: composite states nest, a shared transition goes through a `<<join>>`. */
export function renderMermaid(model: ChartModel): string {
  const idOf = (path: string): string =>
    path === ANY_STATE ? 'any_state' : `s_${path.replace(/[^A-Za-z0-9]/g, (c) => (c === '.' ? '__' : `_${c.charCodeAt(0)}_`))}`
  const lines = ['stateDiagram-v2']
  const children = new Map<string | null, typeof model.states>()
  for (const state of model.states) children.set(state.parent, [...(children.get(state.parent) ?? []), state])
  const writeStates = (parent: string | null, indent: string): void => {
    for (const state of children.get(parent) ?? []) {
      lines.push(`${indent}state "${escapeMermaid(state.label)}" as ${idOf(state.path)}`)
      if (state.internal.length > 0) lines.push(`${indent}${idOf(state.path)} : ${escapeMermaid(state.internal.join(', '))}`)
      if (state.isCompound) {
        lines.push(`${indent}state ${idOf(state.path)} {`)
        writeStates(state.path, `${indent}  `)
        lines.push(`${indent}}`)
      }
      if (state.isInitial) lines.push(`${indent}[*] --> ${idOf(state.path)}`)
      if (state.isFinal) lines.push(`${indent}${idOf(state.path)} --> [*]`)
    }
  }
  writeStates(null, '  ')
  model.transitions.forEach((t, i) => {
    const label = t.labels.length > 0 ? ` : ${escapeMermaid(t.labels.join('; '))}` : ''
    if (t.sources.length === 1) {
      lines.push(`  ${idOf(t.sources[0]!)} --> ${idOf(t.target)}${label}`)
      return
    }
    const join = `join_${i}`
    lines.push(`  state ${join} <<join>>`)
    for (const source of t.sources) lines.push(`  ${idOf(source)} --> ${join}`)
    lines.push(`  ${join} --> ${idOf(t.target)}${label}`)
  })
  return `${lines.join('\n')}\n`
}

/** Mermaid's entity codes for anything that could end a label or a name early. */
function escapeMermaid(text: string): string {
  return text.replace(/[^A-Za-z0-9 _.,*[\]|()/-]/g, (c) => `#${c.codePointAt(0)};`)
}

import { writeFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { type Command, Option } from 'commander'
import type { AnyStateMachine } from 'xstate'
import { renderStatechart } from '../src/inspect/render-statechart.js'
import { CliError } from './errors.js'
import { importUserModule } from './import-module.js'

/** `xcluster chart FILE`: a machine's statechart as SVG or Mermaid, for docs. */
export function addChartCommand(program: Command): void {
  program
    .command('chart <file>')
    .description('write the statechart of an XState v5 machine exported by FILE (.js or .ts) as SVG or Mermaid')
    .addOption(new Option('-e, --export <name>', 'which export to draw (default: the only machine the file exports)'))
    .addOption(new Option('-f, --format <format>', 'svg or mermaid').choices(['svg', 'mermaid']).default('svg'))
    .addOption(new Option('-o, --out <path>', 'file to write (default: standard output)'))
    .action((file: string, flags: { export?: string; format: 'svg' | 'mermaid'; out?: string }) => writeChart(file, flags))
}

/** An XState machine, as `createMachine` or `setup().createMachine` make it. */
function isMachine(value: unknown): value is AnyStateMachine {
  const candidate = value as { root?: unknown; config?: unknown; transition?: unknown } | null
  return typeof candidate === 'object' && candidate !== null && typeof candidate.transition === 'function' && candidate.root !== undefined
}

async function writeChart(file: string, flags: { export?: string; format: 'svg' | 'mermaid'; out?: string }): Promise<void> {
  const path = resolve(file)
  let module: Record<string, unknown>
  try {
    module = await importUserModule(path, 'ERR_CLI_USAGE')
  } catch (error) {
    if (error instanceof CliError) throw error
    throw new CliError(`xcluster chart: loading ${path} failed: ${(error as Error).message}`, 'ERR_CLI_USAGE', { cause: error })
  }
  const machine = pickMachine(module, path, flags.export)
  const text = await renderStatechart(machine, { format: flags.format })
  if (flags.out === undefined) process.stdout.write(text.endsWith('\n') ? text : `${text}\n`)
  else writeFileSync(flags.out, text)
}

function pickMachine(module: Record<string, unknown>, path: string, name: string | undefined): AnyStateMachine {
  const machines = Object.keys(module).filter((key) => isMachine(module[key]))
  if (name !== undefined) {
    if (isMachine(module[name])) return module[name]
    throw new CliError(
      `xcluster chart: ${path} exports no machine named "${name}"; its machines: ${machines.join(', ') || 'none'}.`,
      'ERR_CLI_USAGE',
    )
  }
  if (machines.length === 1) return module[machines[0]!] as AnyStateMachine
  if (machines.length === 0)
    throw new CliError(
      `xcluster chart: ${path} exports no XState machine; export one (createMachine or setup().createMachine).`,
      'ERR_CLI_USAGE',
    )
  throw new CliError(
    `xcluster chart: ${path} exports several machines (${machines.join(', ')}); choose one with --export.`,
    'ERR_CLI_USAGE',
  )
}

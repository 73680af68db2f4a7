import { type Command, InvalidArgumentError, Option } from 'commander'
import { DEFAULT_BUFFER_BYTES, DEFAULT_BUFFER_LINES } from '../src/ops/log-buffer.js'
import { LOG_FORMATS } from '../src/ops/log-format.js'
import { DEFAULT_LOG_LINES } from './log-stream.js'
import { type LogsFlags, showLogs } from './show-logs.js'
import { integer } from './start-command.js'

// A worker id as `xcluster status` lists it, or a slot, which stays the same across restarts.
const workerOrSlot = (value: string): number | string => {
  if (/^slot-\d{1,6}$/.test(value)) return value
  if (/^\d+$/.test(value) && Number(value) >= 1) return Number(value)
  throw new InvalidArgumentError(`expected a worker id (as \`xcluster status\` lists it) or a slot (slot-0), got "${value}"`)
}

/** `xcluster logs` and its options. */
export function addLogsCommand(program: Command, nameOption: () => Option, runDirOption: () => Option): void {
  program
    .command('logs')
    .description(
      `print the workers' recent output (the master keeps the last ${DEFAULT_BUFFER_LINES.toLocaleString('en')} lines / ` +
        `${DEFAULT_BUFFER_BYTES / 1024 / 1024} MiB across workers; a worker's stderr lines go to stderr)`,
    )
    .addOption(nameOption())
    .addOption(runDirOption())
    .addOption(new Option('-f, --follow', 'then print each new line until the master stops (exit 0) or Ctrl-C (default: off)'))
    .addOption(
      new Option(
        '-w, --worker <id|slot>',
        'only this worker (id as `xcluster status` lists it) or slot (slot-0) (default: every worker)',
      ).argParser(workerOrSlot),
    )
    .addOption(
      new Option('-l, --lines <n>', 'the newest this many kept lines (0: only new ones, with --follow)')
        .default(DEFAULT_LOG_LINES)
        .argParser(integer(0)),
    )
    .addOption(new Option('--format <format>', "print in this format (default: the master's --log-format)").choices(LOG_FORMATS))
    .action((flags: LogsFlags) => showLogs(flags))
}

import { readFileSync } from 'node:fs'
import { Command, Option } from 'commander'
import { addChartCommand } from './chart-command.js'
import { reloadApp, showStatus, stopApp } from './control-commands.js'
import { CliError } from './errors.js'
import { addInspectCommand } from './inspect-command.js'
import { defaultRunDir } from './run-dir.js'
import { addLogsCommand } from './logs-command.js'
import { addStartCommand, collectEnv } from './start-command.js'

// commander, not util.parseArgs: the same declaration gives the parsing, the validation and a
// --help that lists every option with its default, so the help cannot drift from the code; and it
// has subcommands, which parseArgs leaves to us. It is maintained, dependency-free, and small.

/** The `xcluster` command line. `run(argv)` resolves with the exit code. */
export function createProgram(): Command {
  const program = new Command('xcluster')
    .description('Run a Node server on every core under supervision: restarts, zero-downtime reloads, a live view.')
    .version(readVersion(), '-v, --version')
    .showHelpAfterError()
    .configureHelp({ showGlobalOptions: true })
  const runDirOption = () => new Option('--run-dir <dir>', 'directory of the control sockets (mode 0700)').default(defaultRunDir())
  const nameOption = () => new Option('-n, --name <name>', 'the app to talk to (default: the only one running)')

  addStartCommand(program, runDirOption)

  program
    .command('status')
    .description("print the app's workers: slot, pid, state, generation, restarts, calls in flight, uptime")
    .addOption(nameOption())
    .addOption(runDirOption())
    .action((flags: { name?: string; runDir: string }) => showStatus(flags))

  program
    .command('reload')
    .description('rolling reload: each worker replaced by a new one, new listening before old drains')
    .addOption(nameOption())
    .addOption(runDirOption())
    .addOption(
      new Option('-e, --env <KEY=VALUE>', 'environment variable of the new workers, over the current ones (repeatable)').argParser(
        collectEnv,
      ),
    )
    .action((flags: { name?: string; runDir: string; env?: Record<string, string> }) => reloadApp(flags, flags.env))

  program
    .command('stop')
    .description('stop the app gracefully and wait until its master has exited')
    .addOption(nameOption())
    .addOption(runDirOption())
    .action((flags: { name?: string; runDir: string }) => stopApp(flags))

  addLogsCommand(program, nameOption, runDirOption)
  addInspectCommand(program)
  addChartCommand(program)

  return program
}

function readVersion(): string {
  // cli/ from source, dist/cli/ once built: package.json is one or two levels up.
  for (const path of ['../package.json', '../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(path, import.meta.url), 'utf8')) as { name?: string; version?: string }
      if (pkg.name === 'xcluster' && pkg.version) return pkg.version
    } catch {}
  }
  return 'unknown'
}

/** Run the CLI on `argv` (process.argv); resolves with the exit code. CliErrors become one stderr line. */
export async function runCli(argv: string[]): Promise<number> {
  try {
    await createProgram().parseAsync(argv)
    return typeof process.exitCode === 'number' ? process.exitCode : 0
  } catch (error) {
    if (error instanceof CliError) {
      console.error(error.message)
      return error.exitCode
    }
    throw error
  }
}

import { type Command, Option } from 'commander'
import { createInspectorServer } from '../src/inspect/inspector-server.js'
import { CliError, configMessage } from './errors.js'

// @statelyai/inspect's createWebSocketInspector() connects to ws://localhost:8080 when given no
// url: the same default here means an inspected program needs no option at all.
const DEFAULT_INSPECT_PORT = 8080

/** `xcluster inspect`: the offline inspector for any XState v5 program, in the foreground. */
export function addInspectCommand(program: Command): void {
  program
    .command('inspect')
    .description("offline inspector for any XState v5 program: point @statelyai/inspect's createWebSocketInspector at it")
    .addOption(
      new Option('-p, --port <port>', 'TCP port of the page and the WebSocket (0: any free one)')
        .default(DEFAULT_INSPECT_PORT)
        .argParser(parsePort),
    )
    .addOption(new Option('--host <host>', 'interface to listen on; anything but loopback needs --token').default('127.0.0.1'))
    .addOption(
      new Option('--token <token>', 'secret the page and the inspected programs must present (default: none, which only loopback allows)'),
    )
    .action((flags: { port: number; host: string; token?: string }) => runInspector(flags))
}

function parsePort(value: string): number {
  const port = Number(value)
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new CliError(configMessage('flags', '--port', `must be a port number from 0 to 65535, got "${value}"`), 'ERR_CLI_USAGE')
  }
  return port
}

async function runInspector(flags: { port: number; host: string; token?: string }): Promise<void> {
  let server: Awaited<ReturnType<typeof createInspectorServer>>
  try {
    server = await createInspectorServer({
      port: flags.port,
      host: flags.host,
      ...(flags.token === undefined ? {} : { token: flags.token }),
    })
  } catch (error) {
    throw new CliError(`xcluster inspect: ${(error as Error).message}`, 'ERR_CLI_USAGE', { cause: error })
  }
  console.log(`xcluster inspector: open ${server.url}`)
  console.log(`in the inspected program: createWebSocketInspector({ url: '${server.inspectorUrl}' })`)
  // In the foreground until a signal; the exit code stays 0 for a requested stop.
  await new Promise<void>((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop)
      process.off('SIGTERM', stop)
      void server.close().then(resolve, resolve)
    }
    process.on('SIGINT', stop)
    process.on('SIGTERM', stop)
  })
}

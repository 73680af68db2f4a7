import { writeFileSync } from 'node:fs'
import { connect } from 'node:net'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { get } from '../helpers/http-load.js'
import { isAlive, waitFor } from '../helpers/processes.js'
import { findFreePort } from '../helpers/run-example.js'
import { createProgram } from '../../cli/program.js'
import { type CliProcess, createRunDir, FIXTURES, runCli, spawnCli } from './helpers.js'

const LOG_SERVER = join(FIXTURES, 'log-server.cjs')
const cleanups: Array<() => void> = []
const started: CliProcess[] = []
const logs = suite('xcluster logs')

logs.after.each(() => {
  for (const process of started.splice(0)) process.kill()
  for (const cleanup of cleanups.splice(0)) cleanup()
})

/** `xcluster start log-server.cjs` in a fresh run directory; resolves once its workers listen. */
async function startApp(args: string[]) {
  const runDir = createRunDir()
  cleanups.push(runDir.remove)
  const port = await findFreePort()
  const master = spawnCli(['start', LOG_SERVER, ...args, '--run-dir', runDir.path], { env: { PORT: String(port) } })
  started.push(master)
  await master.onOutput(/workers? listening\n/)
  return { master, runDir: runDir.path, port }
}

/** Spawn a command that keeps running (a follower), killed after the test. */
function spawnTracked(args: string[]): CliProcess {
  const cli = spawnCli(args)
  started.push(cli)
  return cli
}

/** Each worker's id and pid, from `xcluster status`. */
async function workersOf(runDir: string): Promise<Array<{ slot: string; id: number; pid: number }>> {
  const status = await runCli(['status', '--run-dir', runDir])
  assert.is(status.code, 0, status.stderr)
  return [...status.stdout.matchAll(/^(slot-\d+)\s+(\d+)\s+(\d+)\s+listening/gm)].map((m) => ({
    slot: m[1]!,
    id: Number(m[2]),
    pid: Number(m[3]),
  }))
}

const sorted = (text: string) => text.trimEnd().split('\n').sort()

logs('shows the lines of both workers of -i 2, prefixed with app, worker id and pid; --worker and --lines filter', async () => {
  const { master, runDir, port } = await startApp(['-i', '2'])
  const [one, two] = await workersOf(runDir)
  assert.ok(one && two, 'two workers listen')
  const stdoutOf = (w: { id: number; pid: number }) => `[log-server #${w.id} pid ${w.pid}] listening on ${port}`
  const stderrOf = (w: { id: number; pid: number }) => `[log-server #${w.id} pid ${w.pid}] ready (stderr)`

  const all = await runCli(['logs', '--run-dir', runDir])
  assert.is(all.code, 0, all.stderr)
  assert.equal(sorted(all.stdout), [stdoutOf(one), stdoutOf(two)].sort())
  // A worker's stderr lines go to stderr, as the master writes them.
  assert.equal(sorted(all.stderr), [stderrOf(one), stderrOf(two)].sort())
  // The master wrote the same prefixed lines, each to its stream of the same name.
  assert.ok(master.stdout.includes(`${stdoutOf(one)}\n`) && master.stdout.includes(`${stdoutOf(two)}\n`), master.stdout)
  assert.ok(master.stderr.includes(`${stderrOf(one)}\n`) && master.stderr.includes(`${stderrOf(two)}\n`), master.stderr)

  const byId = await runCli(['logs', '--run-dir', runDir, '--worker', String(two.id)])
  assert.equal([byId.code, byId.stdout, byId.stderr], [0, `${stdoutOf(two)}\n`, `${stderrOf(two)}\n`])
  const bySlot = await runCli(['logs', '--run-dir', runDir, '--worker', one.slot])
  assert.equal([bySlot.code, bySlot.stdout, bySlot.stderr], [0, `${stdoutOf(one)}\n`, `${stderrOf(one)}\n`])

  const pid = Number(await get(port, '/print?text=the%20newest%20line'))
  const worker = [one, two].find((w) => w.pid === pid)!
  await waitFor(() => master.stdout.includes('the newest line'), 'the master read the line')
  const newest = await runCli(['logs', '--run-dir', runDir, '--lines', '1'])
  assert.equal([newest.code, newest.stdout, newest.stderr], [0, `[log-server #${worker.id} pid ${pid}] the newest line\n`, ''])
})

logs('--follow receives a line printed after it attached, and exits 0 saying so when the master stops', async () => {
  const { master, runDir, port } = await startApp(['-i', '2'])
  const follower = spawnTracked(['logs', '--follow', '--run-dir', runDir])
  await follower.onOutput(/listening on \d+\n.*listening on \d+\n/s)
  const pid = Number(await get(port, '/print?text=printed%20after%20attaching'))
  await follower.onOutput(`pid ${pid}] printed after attaching\n`)

  const stop = await runCli(['stop', '--run-dir', runDir])
  assert.is(stop.code, 0, stop.stderr)
  assert.equal(await follower.exited, { code: 0, signal: null })
  assert.match(follower.stderr, /ready \(stderr\)\n(?:.*\n)?xcluster logs: the master stopped "log-server"\n$/)
  assert.equal(await master.exited, { code: 0, signal: null })
})

logs('--follow exits 1 and says so when the master dies without a word (SIGKILL)', async () => {
  const { master, runDir } = await startApp(['-i', '1'])
  const [worker] = await workersOf(runDir)
  const follower = spawnTracked(['logs', '--follow', '--run-dir', runDir])
  await follower.onOutput(/listening on \d+\n/)
  master.child.kill('SIGKILL')
  assert.equal(await follower.exited, { code: 1, signal: null })
  assert.ok(
    follower.stderr.endsWith(
      'xcluster logs: the master of "log-server" went away mid-stream (it closed the connection without an end line); check whether it still runs with `xcluster status --name log-server`.\n',
    ),
    follower.stderr,
  )
  // Its worker does not outlive it.
  await waitFor(() => !isAlive(worker!.pid), 'the orphaned worker exited')
})

logs('--log-format json: every worker line the master writes parses and carries its fields; logs prints JSON too', async () => {
  const { master, runDir, port } = await startApp(['-i', '2', '--log-format', 'json'])
  const workers = await workersOf(runDir)
  const pid = Number(await get(port, '/print?text=%22quoted%22%20%E2%82%AC'))
  await waitFor(() => master.stdout.includes('\\"quoted\\" €'), 'the master wrote the line')
  const fromMaster = master.stdout
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line))
  const printed = fromMaster.find((entry) => entry.line === '"quoted" €')
  const worker = workers.find((w) => w.pid === pid)!
  assert.equal(Object.keys(printed), ['time', 'app', 'worker', 'slot', 'pid', 'generation', 'stream', 'line'])
  assert.equal(
    { ...printed, time: undefined },
    {
      time: undefined,
      app: 'log-server',
      worker: worker.id,
      slot: worker.slot,
      pid,
      generation: 0,
      stream: 'stdout',
      line: '"quoted" €',
    },
  )
  assert.is(new Date(printed.time).toISOString(), printed.time)
  assert.is(fromMaster.filter((entry) => entry.line === `listening on ${port}`).length, 2)

  const fromLogs = await runCli(['logs', '--run-dir', runDir, '--worker', String(worker.id)])
  assert.is(fromLogs.code, 0, fromLogs.stderr)
  assert.equal(
    fromLogs.stdout
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line).line),
    [`listening on ${port}`, '"quoted" €'],
  )
  const asPrefixed = await runCli(['logs', '--run-dir', runDir, '--worker', String(worker.id), '--format', 'prefixed', '--lines', '1'])
  assert.is(asPrefixed.stdout, `[log-server #${worker.id} pid ${pid}] "quoted" €\n`)
})

logs('a 1 MiB line without newline is cut at 16 KiB at once, and its rest is dropped up to the newline', async () => {
  const { runDir, port } = await startApp(['-i', '1'])
  const [worker] = await workersOf(runDir)
  await get(port, '/print?text=probe')
  // With --lines 1 it prints the probe first: kept lines and new ones are taken at once, so then it is attached.
  const follower = spawnTracked(['logs', '--follow', '--lines', '1', '--run-dir', runDir])
  const probe = `[log-server #${worker!.id} pid ${worker!.pid}] probe\n`
  await follower.onOutput(probe)
  await get(port, `/long?size=${1024 * 1024}`)
  const cut = `[log-server #${worker!.id} pid ${worker!.pid}] ${'y'.repeat(16 * 1024)} … [line cut at 16384 bytes]\n`
  // Emitted although no newline came: the master did not wait to hold the line whole.
  await follower.onOutput(cut)
  // This ends the long line, so it is part of what is dropped.
  await get(port, '/print?text=end%20of%20the%20long%20line')
  await get(port, '/print?text=next')
  await follower.onOutput('] next\n')
  assert.is(follower.stdout, `${probe}${cut}[log-server #${worker!.id} pid ${worker!.pid}] next\n`)
})

logs('logs and logs --follow exit 1 with the clear message when no master runs', async () => {
  const runDir = createRunDir()
  cleanups.push(runDir.remove)
  for (const follow of [[], ['--follow']]) {
    const result = await runCli(['logs', ...follow, '--run-dir', runDir.path, '--name', 'api'])
    assert.equal(
      [result.code, result.stdout, result.stderr],
      [
        1,
        '',
        `xcluster logs: no master runs app "api" (nothing listens on ${join(runDir.path, 'api.sock')}); start one with \`xcluster start\`, or pass the --name and --run-dir it was started with.\n`,
      ],
    )
  }
})

logs('a follower that stops reading is dropped once 4 MiB are unread, and told so when it reads again', async () => {
  const { master, runDir, port } = await startApp(['-i', '1'])
  const socket = connect(join(runDir, 'log-server.sock'))
  cleanups.push(() => socket.destroy())
  await new Promise<void>((resolve) => socket.on('connect', resolve))
  socket.write(`${JSON.stringify({ command: 'logs', follow: true, lines: 0 })}\n`)
  socket.pause()
  const dropped = 'xcluster: log-server: dropped a `logs --follow` client that left more than 4194304 bytes unread\n'
  // 1 KiB lines, 4 MiB a request, until the master gives up on the reader that never reads.
  for (let i = 0; i < 8 && !master.stderr.includes(dropped); i++) await get(port, '/flood?lines=4096&size=1024')
  await waitFor(() => master.stderr.includes(dropped), 'the master dropped the follower')
  const received: Buffer[] = []
  socket.on('data', (chunk: Buffer) => received.push(chunk))
  socket.resume()
  await new Promise((resolve) => socket.on('end', resolve))
  const lines = Buffer.concat(received).toString('utf8').trimEnd().split('\n')
  assert.equal(JSON.parse(lines[0]!), { ok: true, name: 'log-server', format: 'prefixed' })
  assert.equal(JSON.parse(lines.at(-1)!), {
    end: 'dropped',
    message: 'the master dropped this follower: it left more than 4194304 bytes unread; run `xcluster logs --follow` again',
  })
  // The master goes on serving other commands.
  assert.is((await runCli(['logs', '--run-dir', runDir, '--lines', '1'])).code, 0)
})

/** Send one raw request line on the control socket; resolves with the lines of the answer once the master ends it. */
function rawRequest(path: string, request: unknown): Promise<unknown[]> {
  return new Promise((resolve, reject) => {
    const socket = connect(path)
    let text = ''
    socket.setEncoding('utf8')
    socket.on('error', reject)
    socket.on('connect', () => socket.write(`${JSON.stringify(request)}\n`))
    socket.on('data', (chunk: string) => (text += chunk))
    socket.on('end', () =>
      resolve(
        text
          .trimEnd()
          .split('\n')
          .map((line) => JSON.parse(line)),
      ),
    )
  })
}

/** The first line of the answer to `request`; the connection is closed then. */
function firstLine(path: string, request: unknown): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const socket = connect(path)
    let text = ''
    socket.setEncoding('utf8')
    socket.on('error', reject)
    socket.on('connect', () => socket.write(`${JSON.stringify(request)}\n`))
    socket.on('data', (chunk: string) => {
      text += chunk
      if (!text.includes('\n')) return
      socket.destroy()
      resolve(JSON.parse(text.slice(0, text.indexOf('\n'))))
    })
  })
}

logs('the control socket checks a logs request field by field, and lets 16 followers follow one app at most', async () => {
  const { runDir } = await startApp(['-i', '1'])
  const path = join(runDir, 'log-server.sock')
  const refused = (message: string) => [{ ok: false, error: { name: 'CliError', code: 'ERR_CLI_CONTROL', message } }]
  assert.equal(
    await rawRequest(path, { command: 'logs', worker: '__proto__' }),
    refused('logs: `worker` must be a worker id (an integer from 1) or a slot (slot-0)'),
  )
  assert.equal(await rawRequest(path, { command: 'logs', lines: -1 }), refused('logs: `lines` must be an integer from 0 and up'))
  assert.equal(await rawRequest(path, { command: 'logs', follow: 'yes' }), refused('logs: `follow` must be a boolean'))

  const followers = Array.from({ length: 16 }, () => connect(path))
  for (const socket of followers) {
    cleanups.push(() => socket.destroy())
    socket.write(`${JSON.stringify({ command: 'logs', follow: true, lines: 0 })}\n`)
    // Attached once its header arrived.
    await new Promise((resolve) => socket.once('data', resolve))
  }
  assert.equal(
    await rawRequest(path, { command: 'logs', follow: true }),
    refused('logs --follow: 16 followers of "log-server" already; stop one of them first'),
  )
  // One that leaves makes room, once the master has seen it close (which may come after the next connect).
  followers[0]!.destroy()
  let header: unknown
  for (let attempt = 0; attempt < 100; attempt++) {
    header = await firstLine(path, { command: 'logs', follow: true, lines: 0 })
    if ((header as { ok?: boolean }).ok) break
  }
  assert.equal(header, { ok: true, name: 'log-server', format: 'prefixed' })
})

logs("a crash-looping server's final error shows its own stderr lines", async () => {
  const runDir = createRunDir()
  cleanups.push(runDir.remove)
  const crashing = fileURLToPath(new URL('../fixtures/fail-at-boot.ts', import.meta.url))
  const master = spawnTracked(['start', crashing, '-i', '1', '--max-restarts', '1', '--backoff-initial', '10', '--run-dir', runDir.path])
  assert.equal(await master.exited, { code: 1, signal: null })
  const final = master.stderr.slice(master.stderr.indexOf('xcluster: fail-at-boot failed: '))
  assert.match(final, /^xcluster: fail-at-boot failed: The cluster failed: worker slot-0 failed to start \(code 1\) after 1 restarts/)
  assert.ok(final.includes("\nThe worker's last stderr lines:\n  loading config from /etc/app/config.json\n"), final)
  assert.ok(final.includes('\n  Error: the config file is missing (fail-at-boot fixture)\n'), final)
  // And the worker's lines as they came, prefixed, before it.
  assert.match(master.stderr, /^\[fail-at-boot #1 pid \d+\] loading config from \/etc\/app\/config\.json$/m)
})

logs('a config file sets logs.format per app; --log-format on the command line wins; bad values are named', async () => {
  const dir = createRunDir()
  cleanups.push(dir.remove)
  const port = await findFreePort()
  const path = join(dir.path, 'app.json')
  writeFileSync(
    path,
    JSON.stringify({ script: LOG_SERVER, name: 'api', instances: 1, env: { PORT: String(port) }, logs: { format: 'json' } }),
  )
  const master = spawnTracked(['start', '--config', path, '--run-dir', dir.path])
  await master.onOutput(/"app":"api","worker":1,"slot":"slot-0","pid":\d+,"generation":0,"stream":"stdout","line":"listening on \d+"\}\n/)
  await runCli(['stop', '--run-dir', dir.path])
  assert.equal(await master.exited, { code: 0, signal: null })

  const raw = spawnTracked(['start', '--config', path, '--run-dir', dir.path, '--log-format', 'raw'])
  await raw.onOutput(`\nlistening on ${port}\n`)
  await runCli(['stop', '--run-dir', dir.path])
  assert.equal(await raw.exited, { code: 0, signal: null })

  for (const [logsValue, message] of [
    [{ format: 'pretty' }, "Expected `logs.format` to be one of 'raw', 'prefixed', 'json', got `\"pretty\"` (string)"],
    [{ name: 'other' }, "`logs.name` is the app's `name`; set that instead"],
  ] as const) {
    writeFileSync(path, JSON.stringify({ script: LOG_SERVER, logs: logsValue }))
    const result = await runCli(['start', '--config', path, '--run-dir', dir.path])
    assert.equal([result.code, result.stderr], [1, `xcluster: ${path}: ${message}\n`])
  }
})

logs('--help states what the master keeps and the formats', () => {
  const program = createProgram()
  const help = (name: string) =>
    program.commands
      .find((command) => command.name() === name)!
      .helpInformation()
      .replace(/\s+/g, ' ')
  assert.ok(help('logs').includes('the master keeps the last 1,000 lines / 1 MiB across workers'), help('logs'))
  assert.ok(help('logs').includes('-l, --lines <n> the newest this many kept lines (0: only new ones, with --follow) (default: 100)'))
  assert.ok(help('start').includes('(choices: "raw", "prefixed", "json", default: "prefixed")'), help('start'))
})

logs.run()

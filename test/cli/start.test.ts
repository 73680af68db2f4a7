import { execFileSync } from 'node:child_process'
import { existsSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { startKeepAliveLoad } from '../helpers/keep-alive-load.js'
import { get } from '../helpers/http-load.js'
import { isAlive } from '../helpers/processes.js'
import { findFreePort } from '../helpers/run-example.js'
import { type CliProcess, createRunDir, FIXTURES, runCli, spawnCli } from './helpers.js'

const HELLO_TS = fileURLToPath(new URL('../../examples/hello-http/worker.ts', import.meta.url))
const cleanups: Array<() => void> = []
const started: CliProcess[] = []
const cli = suite('xcluster start, status, reload, stop')

cli.after.each(() => {
  for (const process of started.splice(0)) process.kill()
  for (const cleanup of cleanups.splice(0)) cleanup()
})

/** `xcluster start` in a fresh run directory; resolves once its workers listen. */
async function startApp(args: string[], env: Record<string, string> = {}) {
  const runDir = createRunDir()
  cleanups.push(runDir.remove)
  const master = spawnCli(['start', ...args, '--run-dir', runDir.path], { env })
  started.push(master)
  await master.onOutput(/workers? listening\n/)
  return { master, runDir: runDir.path }
}

/** The worker pids `xcluster status` lists. */
function pidsOf(status: string): number[] {
  return [...status.matchAll(/^slot-\d+\s+\d+\s+(\d+)\s+listening/gm)].map((match) => Number(match[1]))
}

for (const file of ['server.cjs', 'server.mjs']) {
  cli(`runs an unmodified ${file.endsWith('cjs') ? 'CommonJS' : 'ES module'} server with -i 2: status, reload --env, stop`, async () => {
    const port = await findFreePort()
    const { master, runDir } = await startApp([join(FIXTURES, file), '-i', '2'], { PORT: String(port), VERSION: 'v1' })
    assert.match(await get(port), /^v1 \d+\n$/)

    const status = await runCli(['status', '--run-dir', runDir])
    assert.is(status.code, 0, status.stderr)
    const lines = status.stdout.trimEnd().split('\n')
    assert.match(
      lines[0]!,
      new RegExp(`^server: ${join(FIXTURES, file)} \\(master pid ${master.child.pid}, up \\d+s\\), 2/2 workers listening$`),
    )
    assert.match(lines[1]!, /^slot\s+worker\s+pid\s+state\s+gen\s+restarts\s+in flight\s+uptime$/)
    const oldPids = pidsOf(status.stdout)
    assert.is(oldPids.length, 2)

    const reload = await runCli(['reload', '--run-dir', runDir, '--env', 'VERSION=v2'])
    assert.equal([reload.code, reload.stdout, reload.stderr], [0, 'xcluster reload: server: 2 workers replaced, now generation 1\n', ''])
    // The new generation really got the new environment: every answer now says v2.
    for (let i = 0; i < 4; i++) assert.match(await get(port), /^v2 \d+\n$/)
    const after = await runCli(['status', '--run-dir', runDir])
    const newPids = pidsOf(after.stdout)
    assert.is(newPids.length, 2)
    assert.ok(
      newPids.every((pid) => !oldPids.includes(pid)),
      'both workers were replaced',
    )
    assert.match(after.stdout, /^slot-0\s+\d+\s+\d+\s+listening\s+1\s/m)

    const stop = await runCli(['stop', '--run-dir', runDir])
    assert.equal([stop.code, stop.stdout], [0, 'xcluster stop: server is stopping\nxcluster stop: server stopped\n'])
    assert.equal(await master.exited, { code: 0, signal: null })
    assert.ok(
      newPids.every((pid) => !isAlive(pid)),
      'every worker exited with the master',
    )
    assert.not.ok(existsSync(join(runDir, 'server.sock')), 'the master removed its socket')
  })
}

cli('runs a TypeScript server (examples/hello-http, unchanged) through tsx', async () => {
  const port = await findFreePort()
  await startApp([HELLO_TS, '-i', '2', '--name', 'hello'], { PORT: String(port) })
  assert.is(await get(port), 'hello world\n')
})

cli('the control socket is mode 0600 in a 0700 run directory, and a second start of the app is refused', async () => {
  const port = await findFreePort()
  const { master, runDir } = await startApp([join(FIXTURES, 'server.cjs'), '-i', '1'], { PORT: String(port) })
  const socket = join(runDir, 'server.sock')
  assert.is(statSync(socket).mode & 0o777, 0o600)
  assert.is(statSync(runDir).mode & 0o777, 0o700)
  const second = await runCli(['start', join(FIXTURES, 'server.cjs'), '-i', '1', '--run-dir', runDir], { env: { PORT: String(port) } })
  assert.is(second.code, 1)
  assert.is(
    second.stderr,
    `xcluster start: another master (pid ${master.child.pid}) already runs app "server" on ${socket}; stop it first (\`xcluster stop --name server\`) or start this one under another --name.\n`,
  )
  // The refused start forked nothing and left the running master's socket alone.
  assert.is((await runCli(['status', '--run-dir', runDir])).code, 0)
})

cli('a stale socket of a master that died is removed, and start goes on', async () => {
  const runDir = createRunDir()
  cleanups.push(runDir.remove)
  const socket = join(runDir.path, 'server.sock')
  // A real Unix socket file that nobody listens on any more: bound by a process killed with SIGKILL.
  const bind = `require('net').createServer().listen(${JSON.stringify(socket)}, () => process.kill(process.pid, 'SIGKILL'))`
  assert.throws(() => execFileSync(process.execPath, ['-e', bind], { stdio: 'ignore' }), /SIGKILL/)
  assert.ok(statSync(socket).isSocket(), 'the dead master left its socket file')
  const port = await findFreePort()
  const master = spawnCli(['start', join(FIXTURES, 'server.cjs'), '-i', '1', '--run-dir', runDir.path], { env: { PORT: String(port) } })
  started.push(master)
  await master.onOutput(/workers? listening\n/)
  assert.match(await get(port), /^v1 \d+\n$/)
  assert.is((await runCli(['status', '--run-dir', runDir.path])).code, 0)
})

cli('status, reload and stop exit 1 with a clear message when no master runs', async () => {
  const runDir = createRunDir()
  cleanups.push(runDir.remove)
  for (const command of ['status', 'reload', 'stop']) {
    const result = await runCli([command, '--run-dir', runDir.path, '--name', 'api'])
    assert.equal(
      [result.code, result.stdout, result.stderr],
      [
        1,
        '',
        `xcluster ${command}: no master runs app "api" (nothing listens on ${join(runDir.path, 'api.sock')}); start one with \`xcluster start\`, or pass the --name and --run-dir it was started with.\n`,
      ],
    )
  }
})

cli('SIGTERM to the master under 50 keep-alive clients: every request sent before it is answered, exit 0', async () => {
  const port = await findFreePort()
  const { master } = await startApp([join(FIXTURES, 'server.cjs'), '-i', '4'], { PORT: String(port) })
  const load = startKeepAliveLoad(port, { clients: 50 })
  await load.onAnswered(1000)
  load.mark()
  master.child.kill('SIGTERM')
  assert.equal(await master.exited, { code: 0, signal: null })
  const result = await load.stop()
  console.log(
    `  SIGTERM under load: ${result.sent} sent, ${result.answered} answered, ${result.failed} failed after the signal ${JSON.stringify(result.errorCodes)}`,
  )
  assert.is(result.failedBeforeMark, 0, result.errors.join('; '))
  assert.is(result.non2xx, 0)
  assert.match(master.stdout, /xcluster: SIGTERM received, stopping server\nxcluster: server stopped\n$/)
})

cli('a reload whose new version cannot start is rolled back; reload exits 1 with the reason', async () => {
  const port = await findFreePort()
  const server = fileURLToPath(new URL('../fixtures/version-server.ts', import.meta.url))
  const { runDir } = await startApp([server, '-i', '2', '--backoff-initial', '10'], { PORT: String(port), VERSION: 'v1' })
  const reload = await runCli(['reload', '--run-dir', runDir, '--env', 'BROKEN=1'])
  assert.is(reload.code, 1)
  assert.match(
    reload.stderr,
    /^xcluster reload: cluster\.reload\(\) failed and was rolled back: reload to generation 1 failed: slot-0: new worker failed to start: .*Every slot runs generation 0; fix the new version and reload again\. \(ERR_RELOAD_FAILED\)\n$/,
  )
  assert.match(await get(port), /^v1 \d+\n$/)
})

cli('a server that keeps crashing spends the restart budget: the master exits 1 and says why', async () => {
  const runDir = createRunDir()
  cleanups.push(runDir.remove)
  const crashing = fileURLToPath(new URL('../fixtures/exit-at-boot.ts', import.meta.url))
  const master = spawnCli(['start', crashing, '-i', '1', '--max-restarts', '1', '--backoff-initial', '10', '--run-dir', runDir.path])
  started.push(master)
  assert.equal(await master.exited, { code: 1, signal: null })
  assert.match(
    master.stderr,
    /^xcluster: exit-at-boot failed: The cluster failed: worker slot-0 failed to start \(code 1\) after 1 restarts within 60000 ms, which spends the crash-loop budget/m,
  )
  assert.not.ok(existsSync(join(runDir.path, 'exit-at-boot.sock')), 'the master removed its socket')
})

cli.run()

import { fork } from 'node:child_process'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { RpcTimeoutError, XclusterError } from '../../src/rpc/errors.js'
import { ready } from '../../src/worker.js'
import { fixturePath, killAll, rejectionOf, startWorker, waitFor } from '../fixtures/rpc-harness.js'
import { isAlive } from '../helpers/processes.js'

const worker = suite('xcluster/worker')

let startedAt = 0
worker.before.each(() => {
  startedAt = performance.now()
})
worker.after.each(async () => {
  if (process.env.RPC_TIMING) console.log(Math.round(performance.now() - startedAt))
  await killAll()
})

worker('holds requests that arrive before serve() and answers them once it runs; built-ins answer at once', async () => {
  const started = startWorker('rpc-late-serve.ts')
  await started.ready
  const held = started.peer.call('add', [20, 22])
  const heartbeat = (await started.peer.call('$heartbeat', [])) as { rss: number }
  assert.ok(heartbeat.rss > 0)
  assert.is(started.peer.inFlight, 1)
  started.child.send('serve-now')
  assert.is(await held, 42)
  assert.is(
    await started.peer.call('secondServe', []),
    'TypeError: serve() was already called in this worker; call it once, with every handler of the contract.',
  )
})

worker('close() stops serving and no longer keeps the worker alive', async () => {
  const started = startWorker('rpc-late-serve.ts')
  await started.ready
  started.child.send('serve-now')
  await started.peer.call('closeLink', [])
  assert.equal(await started.exit, { code: 0, signal: null })
})

worker('a worker disconnected before it was ready can still call ready(): nothing throws, and it exits 0', async () => {
  const child = fork(fixturePath('rpc-ready-after-disconnect.ts'), {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
  })
  const exit = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })))
  const lines: string[] = []
  createInterface({ input: child.stdout! }).on('line', (line) => lines.push(line))
  child.on('message', (message) => {
    if (message === 'booting') child.disconnect()
  })
  assert.equal(await exit, { code: 0, signal: null })
  assert.equal(lines, ['ready after disconnect: ok'])
})

worker('rejects pending calls to a master that vanished with MasterExitedError, then the orphan exits', async () => {
  const master = fork(fixturePath('rpc-orphan-master.ts'), {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
  })
  const masterExit = new Promise((resolve) => master.on('exit', (code, signal) => resolve({ code, signal })))
  const lines: string[] = []
  createInterface({ input: master.stdout! }).on('line', (line) => lines.push(line))
  // Two processes start under tsx first: allow for a slow, loaded machine.
  const hanging = await waitFor(() => lines.find((line) => line.startsWith('hanging ')), 'the worker to call the master', 1200)
  const orphanPid = Number(hanging.split(' ')[1])
  master.kill('SIGKILL')
  assert.equal(await masterExit, { code: null, signal: 'SIGKILL' })
  await waitFor(() => lines.includes('exit 0'), 'the orphan to exit')
  assert.equal(lines, [
    hanging,
    'rejected MasterExitedError ERR_MASTER_EXITED: The master went away (the IPC channel closed) while this call to ' +
      'it was pending; this worker is now an orphan and exits.',
    'exit 0',
  ])
  await waitFor(() => {
    try {
      process.kill(orphanPid, 0)
      return false
    } catch (error) {
      return (error as NodeJS.ErrnoException).code === 'ESRCH'
    }
  }, 'the orphan process to be gone')
})

worker(
  'in cluster workers too, pending calls to a master that was SIGKILLed reject with MasterExitedError before the worker exits',
  async () => {
    // node:cluster's own 'disconnect' listener exits a worker at once: 0 of 2 workers saw the
    // rejection before connect.ts took that exit over (issue 11).
    const orphanLog = join(mkdtempSync(join(tmpdir(), 'xcluster-orphans-')), 'orphans.log')
    writeFileSync(orphanLog, '')
    const master = fork(fixturePath('cluster-orphan-master.ts'), {
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
      env: { ...process.env, ORPHAN_LOG: orphanLog },
    })
    const masterExit = new Promise((resolve) => master.on('exit', (code, signal) => resolve({ code, signal })))
    const lines: string[] = []
    createInterface({ input: master.stdout! }).on('line', (line) => lines.push(line))
    const hanging = () => lines.filter((line) => line.startsWith('hanging '))
    await waitFor(() => hanging().length === 2, 'both workers to call the master', 1200)
    const pids = hanging()
      .map((line) => Number(line.split(' ')[1]))
      .sort()
    master.kill('SIGKILL')
    assert.equal(await masterExit, { code: null, signal: 'SIGKILL' })
    const orphanLines = () => readFileSync(orphanLog, 'utf8').split('\n')
    await waitFor(() => pids.every((pid) => orphanLines().includes(`${pid} exit 0`)), 'both orphans to exit')
    for (const pid of pids) {
      assert.equal(
        orphanLines().filter((line) => line.startsWith(`${pid} `)),
        [
          `${pid} rejected MasterExitedError ERR_MASTER_EXITED: The master went away (the IPC channel closed) while this call to ` +
            'it was pending; this worker is now an orphan and exits.',
          `${pid} exit 0`,
        ],
      )
    }
    await waitFor(() => pids.every((pid) => !isAlive(pid)), 'the orphan processes to be gone')
  },
)

worker('ready() outside a forked process throws ERR_NO_IPC_CHANNEL', () => {
  if (process.send !== undefined) return // this runner has an IPC channel: nothing to check here
  assert.throws(
    () => ready(),
    (error: unknown) =>
      error instanceof XclusterError &&
      error.code === 'ERR_NO_IPC_CHANNEL' &&
      error.message ===
        'ready() needs an IPC channel to the master, and this process has none: run this file as a cluster worker ' +
          '(or a child_process.fork() child), not directly with node.',
  )
})

worker('a worker whose handler never answers is still bounded by the deadline', async () => {
  const started = startWorker('rpc-echo.ts')
  await started.ready
  const error = await rejectionOf(started.peer.call('never', [], { timeout: 30 }))
  assert.instance(error, RpcTimeoutError)
})

worker.run()

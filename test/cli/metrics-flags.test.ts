/**
 * Issue 13 part 4 through the CLI: `xcluster start --metrics-port` serves the probes and the
 * metrics of an unmodified server, the config file's `metrics` section does too, a port in use
 * fails the start, and a spent crash budget makes the master exit 1 (so Kubernetes restarts the pod).
 */
import { writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { findSamples, parsePrometheusText, sampleValue } from '../helpers/prometheus-text.js'
import { findFreePort } from '../helpers/run-example.js'
import { request } from '../ops/ops-helpers.js'
import { type CliProcess, createRunDir, FIXTURES, runCli, spawnCli } from './helpers.js'

const cleanups: Array<() => void> = []
const started: CliProcess[] = []
const flags = suite('xcluster start: health and metrics flags')

flags.after.each(() => {
  for (const process of started.splice(0)) process.kill()
  for (const cleanup of cleanups.splice(0)) cleanup()
})

const SERVER = join(FIXTURES, 'server.cjs')
const METRICS_LINE = /^xcluster: (\S+): health and metrics at (http:\/\/127\.0\.0\.1:\d+) \(\/healthz, \/readyz, \/metrics\)$/m

function runDir(): string {
  const dir = createRunDir()
  cleanups.push(dir.remove)
  return dir.path
}

async function startMaster(args: string[], options: { cwd?: string; env?: Record<string, string> } = {}) {
  const master = spawnCli(['start', ...args], options)
  started.push(master)
  await master.onOutput(/workers? listening\n/)
  const [, name, url] = METRICS_LINE.exec(master.stdout) ?? []
  assert.ok(url, `no metrics line in:\n${master.stdout}`)
  return { master, name, url: url! }
}

flags('--metrics-port serves /healthz, /readyz and /metrics of an unmodified server with -i 2', async () => {
  const metricsPort = await findFreePort()
  const { master, url } = await startMaster([SERVER, '-i', '2', '--metrics-port', String(metricsPort), '--run-dir', runDir()], {
    env: { PORT: String(await findFreePort()) },
  })
  assert.is(url, `http://127.0.0.1:${metricsPort}`)
  assert.equal(await request(`${url}/healthz`).then((r) => [r.status, r.body]), [200, 'ok\n'])
  assert.equal(await request(`${url}/readyz`).then((r) => [r.status, r.body]), [200, 'ready: 2 workers listening, 2 needed\n'])
  const samples = parsePrometheusText((await request(`${url}/metrics`)).body)
  assert.is(sampleValue(samples, 'xcluster_workers', { state: 'listening' }), 2)
  // A plain server runs no xcluster worker side: no heartbeat, so no per-worker series.
  assert.is(findSamples(samples, 'xcluster_worker_resident_memory_bytes').length, 0)
  master.child.kill('SIGTERM')
  assert.equal(await master.exited, { code: 0, signal: null })
})

flags("the config file's metrics section works, and --ready-workers overrides it", async () => {
  const dir = runDir()
  writeFileSync(join(dir, 'xcluster.config.json'), JSON.stringify({ script: SERVER, instances: 2, metrics: { port: 0, readyWorkers: 2 } }))
  const { url } = await startMaster(['--ready-workers', '1', '--run-dir', dir], { cwd: dir, env: { PORT: String(await findFreePort()) } })
  assert.equal(await request(`${url}/readyz`).then((r) => [r.status, r.body]), [200, 'ready: 2 workers listening, 1 needed\n'])
})

flags('a metrics port in use fails the start with exit 1 and says which flag to change', async () => {
  const taken = createServer().listen(0, '127.0.0.1')
  await new Promise((resolve) => taken.once('listening', resolve))
  cleanups.push(() => taken.close())
  const port = (taken.address() as AddressInfo).port
  const result = await runCli(['start', SERVER, '-i', '1', '--metrics-port', String(port), '--run-dir', runDir()], {
    env: { PORT: String(await findFreePort()) },
  })
  assert.is(result.code, 1)
  assert.match(
    result.stderr,
    `xcluster start: server: the health and metrics endpoint could not listen (listen EADDRINUSE: address already in use 127.0.0.1:${port}); pass a free --metrics-port (or metrics.port in the config file), or 0 for any free one.\n`,
  )
})

flags('--ready-workers or --metrics-host without --metrics-port is refused', async () => {
  const result = await runCli(['start', SERVER, '--ready-workers', '1', '--run-dir', runDir()])
  assert.equal([result.code, result.stderr], [1, 'xcluster start: --ready-workers needs --metrics-port\n'])
  const bad = await runCli(['start', SERVER, '--metrics-port', '70000', '--run-dir', runDir()])
  assert.is(bad.code, 1)
  assert.ok(
    bad.stderr.startsWith(
      `error: option '--metrics-port <port>' argument '70000' is invalid. expected a port from 0 to 65535, got "70000"\n`,
    ),
    bad.stderr,
  )
})

flags('a serving worker that crashes past --max-crashes makes the master exit 1, after /healthz said 200', async () => {
  const { master, url } = await startMaster(
    [SERVER, '-i', '1', '--max-crashes', '0', '--min-uptime', '0', '--metrics-port', '0', '--run-dir', runDir()],
    {
      env: { PORT: String(await findFreePort()) },
    },
  )
  assert.equal(await request(`${url}/healthz`).then((r) => [r.status, r.body]), [200, 'ok\n'])
  // --min-uptime 0: the SIGKILL below is a crash of a serving worker however soon it comes, not a start failure.
  const status = await runCli(['status', '--run-dir', master.child.spawnargs.at(-1)!])
  const pid = Number(/^slot-0\s+\d+\s+(\d+)\s+listening/m.exec(status.stdout)?.[1])
  assert.ok(pid > 0, status.stdout)
  process.kill(pid, 'SIGKILL')
  assert.equal(await master.exited, { code: 1, signal: null })
  assert.match(master.stderr, /^xcluster: server failed: The cluster failed: worker slot-0 crashed/m)
})

flags.run()

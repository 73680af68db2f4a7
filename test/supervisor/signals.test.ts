import { spawn } from 'node:child_process'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { fixture, isAlive, waitFor } from '../helpers/processes.js'

const signals = suite('signals')

signals('SIGTERM to the master lets every call in flight complete, stops the workers and exits 0', async () => {
  const master = spawn(process.execPath, ['--import', 'tsx', fixture('master-with-calls.ts')], { stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  master.stdout.on('data', (chunk) => (stdout += chunk))
  master.stderr.on('data', (chunk) => (stderr += chunk))
  const exited = new Promise<[number | null, string | null]>((resolve) => master.on('exit', (code, signal) => resolve([code, signal])))
  try {
    await waitFor(() => stdout.includes('calls in flight'), 'the master has calls in flight', 30_000)
    master.kill('SIGTERM')
    assert.equal(await exited, [0, null], stderr)
    const pids = stdout.match(/pids (\d+) (\d+)/)!.slice(1).map(Number)
    assert.is(stdout.match(/call \d+ done/g)?.length, 20, stdout)
    assert.not.match(stdout, 'call failed')
    for (const pid of pids) assert.not.ok(isAlive(pid), `worker ${pid} is gone`)
  } finally {
    if (master.exitCode === null) master.kill('SIGKILL')
  }
})

signals('Ctrl-C (SIGINT to the whole process group) still stops gracefully: the workers do not die first', async () => {
  // detached: the master leads a process group of its own, as a shell's foreground job does.
  const master = spawn(process.execPath, ['--import', 'tsx', fixture('master-with-calls.ts')], { stdio: ['ignore', 'pipe', 'pipe'], detached: true })
  let stdout = ''
  let stderr = ''
  master.stdout.on('data', (chunk) => (stdout += chunk))
  master.stderr.on('data', (chunk) => (stderr += chunk))
  const exited = new Promise<[number | null, string | null]>((resolve) => master.on('exit', (code, signal) => resolve([code, signal])))
  try {
    await waitFor(() => stdout.includes('calls in flight'), 'the master has calls in flight', 30_000)
    process.kill(-master.pid!, 'SIGINT')
    assert.equal(await exited, [0, null], stderr)
    assert.is(stdout.match(/call \d+ done/g)?.length, 20, stdout)
    const pids = stdout.match(/pids (\d+) (\d+)/)!.slice(1).map(Number)
    for (const pid of pids) assert.not.ok(isAlive(pid), `worker ${pid} is gone`)
  } finally {
    if (master.exitCode === null) process.kill(-master.pid!, 'SIGKILL')
  }
})

signals.run()

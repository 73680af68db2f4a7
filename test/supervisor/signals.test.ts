import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { fixture, isAlive, startProgram, type WatchedProgram, waitFor } from '../helpers/processes.js'

const signals = suite('signals')
let master: WatchedProgram | undefined

signals.after.each(() => master?.kill())

/** The master fixture keeps 20 slow calls in flight; each must complete after the signal. */
async function assertGracefulStop(program: WatchedProgram): Promise<void> {
  assert.equal(await program.exited, [0, null], program.stderr)
  assert.is(program.stdout.match(/call \d+ done/g)?.length, 20, program.stdout)
  assert.not.match(program.stdout, 'call failed')
  const pids = program.stdout
    .match(/pids (\d+) (\d+)/)!
    .slice(1)
    .map(Number)
  for (const pid of pids) assert.not.ok(isAlive(pid), `worker ${pid} is gone`)
}

signals('SIGTERM to the master lets every call in flight complete, stops the workers and exits 0', async () => {
  master = await startProgram(fixture('master-with-calls.ts'))
  await waitFor(() => master!.stdout.includes('calls in flight'), 'the master has calls in flight', 30_000)
  master.child.kill('SIGTERM')
  await assertGracefulStop(master)
})

signals('Ctrl-C (SIGINT to the whole process group) still stops gracefully: the workers do not die first', async () => {
  master = await startProgram(fixture('master-with-calls.ts'), { detached: true })
  await waitFor(() => master!.stdout.includes('calls in flight'), 'the master has calls in flight', 30_000)
  process.kill(-master.child.pid!, 'SIGINT')
  await assertGracefulStop(master)
})

signals('a worker whose master dies in the middle of a graceful stop does not live on as an orphan', async () => {
  master = await startProgram(fixture('master-dies-mid-stop.ts'))
  assert.equal(await master.exited, [null, 'SIGKILL'], master.stderr)
  const pid = Number(master.stdout.match(/worker pid (\d+)/)![1])
  try {
    await waitFor(() => !isAlive(pid), 'the orphan ends itself', 15_000)
  } finally {
    if (isAlive(pid)) process.kill(pid, 'SIGKILL')
  }
})

signals.run()

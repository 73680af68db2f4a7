/**
 * Every message the supervisor shows a user, in one place. Each entry says when it happens.
 */
import type { ExitInfo } from '../../machines/types.js'

const formatMethod = (method: string): string => `${method}()`

const describeExit = ({ code, signal }: ExitInfo): string => (signal ? `signal ${signal}` : code === null ? 'no exit seen' : `code ${code}`)

// A start failure exits; a hung worker replaced (charged to the same budget) has no exit to show.
const describeStartEnd = (exit: ExitInfo): string =>
  exit.code === null && exit.signal === null ? 'was replaced (hung, no exit seen)' : `failed to start (${describeExit(exit)})`

// A restart budget was spent: the supervisor stopped every worker and ended in `failed`. The
// worker's last stderr lines come last, indented, so that the error a user sees is the worker's own.
export const supervisorFailedMessage = (failure: {
  slotId?: string
  kind?: 'start-failure' | 'crash'
  exit?: ExitInfo
  restarts?: number
  period?: number
  stderr?: string[]
  reason: string
}): string => {
  if (!failure.slotId || !failure.exit) return `The cluster failed: ${failure.reason}`
  const head =
    failure.kind === 'crash'
      ? `The cluster failed: worker ${failure.slotId} crashed while serving (${describeExit(failure.exit)}) after ${failure.restarts} ` +
        `crashes within ${failure.period} ms, which reaches the crash limit (restart.maxCrashes in restart.crashPeriod). ` +
        `Fix the crash (see the worker's stderr below and the 'exit' events' crash records) or raise the limit. ${failure.reason}`
      : `The cluster failed: worker ${failure.slotId} ${describeStartEnd(failure.exit)} after ${failure.restarts} ` +
        `restarts within ${failure.period} ms, which spends the crash-loop budget (restart.maxRestarts in restart.period). ` +
        `Fix the worker's start (see its stderr below and the 'exit' events' crash records) or widen the budget. ${failure.reason}`
  const lines = failure.stderr ?? []
  return lines.length === 0
    ? `${head}\nThe worker wrote nothing to stderr.`
    : `${head}\nThe worker's last stderr lines:\n${lines.map((line) => `  ${line}`).join('\n')}`
}

// reload() was refused before it touched a worker (another reload runs, or the cluster is stopping);
// or a new worker failed to start and the reload was rolled back, fully or (when a worker of the
// previous generation failed to start as well) only in part.
export const reloadFailedMessage = (failure: {
  reason: string
  generation?: number
  previousGeneration?: number
  generations?: Record<string, number>
}): string => {
  const { reason, generation, previousGeneration, generations } = failure
  if (generation === undefined) return `cluster.reload() was refused: ${reason.replace(/^reload refused: /, '')}; no worker was replaced.`
  if (previousGeneration === undefined || !generations) return `cluster.reload() failed: ${reason}.`
  const stuck = describeStuckSlots(generations, previousGeneration)
  if (stuck.length === 0) {
    return `cluster.reload() failed and was rolled back: ${reason}. Every slot runs generation ${previousGeneration}; fix the new version and reload again.`
  }
  return (
    `cluster.reload() failed and was rolled back only in part: ${reason}. Not every slot runs generation ${previousGeneration}: ` +
    `${stuck.join('; ')}. Fix the new version and reload again: a reload replaces every slot's worker.`
  )
}

/** E.g. `['slot-0, slot-2 stay on generation 1']`: the slots not on `expected`, grouped by generation. */
function describeStuckSlots(generations: Record<string, number>, expected: number): string[] {
  const byGeneration = new Map<number, string[]>()
  for (const [slotId, generation] of Object.entries(generations)) {
    if (generation !== expected) byGeneration.set(generation, [...(byGeneration.get(generation) ?? []), slotId])
  }
  return [...byGeneration].map(
    ([generation, slots]) => `${slots.join(', ')} ${slots.length === 1 ? 'stays' : 'stay'} on generation ${generation}`,
  )
}

// A call or wait on a cluster that has been stopped.
export const stoppedMessage = (reason: string): string => `The cluster is stopped (${reason}); supervise() again to start a new one.`

// cluster.worker(id) named no live worker.
export const workerNotFoundMessage = (workerId: number, known: number[]): string =>
  `cluster.worker(${workerId}): no live worker has that id; live ids are ${known.length ? known.join(', ') : 'none'} (see cluster.workers()).`

// The worker process exited while calls to it were pending. Built by the master runtime.
export const workerExitedMessage = (
  workerId: number | string,
  pid: number | undefined,
  exitCode: number | null,
  signal: string | null,
): string =>
  `Worker ${workerId}${pid === undefined ? '' : ` (pid ${pid})`} exited ` +
  (signal ? `with signal ${signal}` : `with code ${exitCode}`) +
  ' while the call was pending; the call was not answered. Retry it if it is idempotent ' +
  '(the supervisor restarts workers per its policy).'

// A call was made to a worker that is draining (stopping or being replaced). Built by the runtime.
export const workerDrainingMessage = (workerId: number | string, method: string | undefined): string =>
  `${method === undefined ? 'The call' : `Call ${formatMethod(method)}`} was refused: worker ${workerId} is ` +
  'draining (stopping or being replaced); send it to `cluster.any` instead.'

// `cluster.any` found no worker to take the call. Built by the runtime: `ended` is the message of
// the stop or failure that ended the cluster, when it did (then no worker will ever come).
export const noWorkerMessage = (method: string | undefined, ended?: string): string => {
  const call = method === undefined ? 'The call' : `cluster.any.${formatMethod(method)}`
  if (ended !== undefined) return `${call} found no worker able to take it: the cluster has ended. ${ended}`
  return (
    `${call} found no worker able to take it (none is started, or all are draining); ` +
    "await `cluster.onReady()` first, or check why workers keep exiting (the 'exit' events)."
  )
}

// A worker answered the heartbeat with something other than a memory sample (a worker that runs
// no xcluster worker side, or a hostile one). Reported as a protocol error of that worker (the
// 'protocol-error' event); the heartbeat counts as missed.
export const badHeartbeatReason = (shown: string): string =>
  `the heartbeat reply is ${shown}, not a memory sample ({ rss, heapUsed } in bytes)`

// `cluster.all` was given an async iterable argument: every worker would pull the one iterator,
// each getting some of its items. Refused at the call, whatever the number of workers.
export const uploadToAllMessage = (method: string, index: number): string =>
  `cluster.all.${formatMethod(method)} was refused: argument ${index} is an async iterable (an upload stream), ` +
  'and every worker would pull items from the one iterator. Call each worker with an iterable of its own: ' +
  '`cluster.worker(id).call`.'

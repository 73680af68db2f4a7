/**
 * Runs one job's handler under its deadline. The handler gets an AbortSignal; when the deadline
 * passes, the signal is aborted with a {@link JobTimeoutError} and the job counts as failed at
 * once, whether or not the handler stops: a handler that ignores the signal keeps running in the
 * background, but no longer holds up its worker's batch.
 *
 * The deadline cannot interrupt code that blocks the event loop (a `while (true)`): that worker
 * misses its heartbeats and the supervisor replaces it.
 */
import type { Job } from './job.js'

/** The work done for a job before its row is written; it should stop when `signal` aborts. */
export type JobHandler = (job: Job, signal: AbortSignal) => unknown

/** How a job ended: done, or failed by its deadline or an error of its handler. */
export type JobOutcome = { ok: true } | { ok: false; kind: 'timed-out' | 'job-failed'; error: unknown }

/**
 * The reason of a job's AbortSignal when its deadline passes. Code `ERR_JOB_TIMEOUT`.
 *
 * @example
 * signal.addEventListener('abort', () => {
 *   if (signal.reason instanceof JobTimeoutError) console.log(signal.reason.jobId)
 * })
 */
export class JobTimeoutError extends Error {
  readonly code = 'ERR_JOB_TIMEOUT'
  /** The job's id. */
  readonly jobId: string
  /** The deadline that passed, in ms. */
  readonly timeout: number

  constructor(jobId: string, timeout: number) {
    super(`job "${jobId}" did not finish within ${timeout} ms (QUEUE_JOB_TIMEOUT_MS); its handler was aborted`)
    this.jobId = jobId
    this.timeout = timeout
  }
}
Object.defineProperty(JobTimeoutError.prototype, 'name', { value: 'JobTimeoutError', writable: true, configurable: true })

/**
 * Runs `handle(job, signal)`; with `timeoutMs` 0 there is no deadline (the signal never aborts).
 * Never rejects: an error of the handler is a `job-failed` outcome.
 *
 * @example
 * const outcome = await runJob(async (job, signal) => fetch(url, { signal }), job, 5000)
 * if (!outcome.ok) console.log(outcome.kind) // 'timed-out' after 5 s
 */
export async function runJob(handle: JobHandler, job: Job, timeoutMs: number): Promise<JobOutcome> {
  const controller = new AbortController()
  let running: Promise<unknown>
  try {
    running = Promise.resolve(handle(job, controller.signal))
  } catch (error) {
    running = Promise.reject(error)
  }
  // Settles for good: a handler that rejects after its deadline (as one that honours its signal
  // does) must not become an unhandled rejection.
  const finished = running.then(
    (): JobOutcome => ({ ok: true }),
    (error: unknown): JobOutcome => ({ ok: false, kind: 'job-failed', error }),
  )
  if (timeoutMs === 0) return finished
  let timer: NodeJS.Timeout | undefined
  const expired = new Promise<JobOutcome>((resolve) => {
    timer = setTimeout(() => {
      const error = new JobTimeoutError(job.id, timeoutMs)
      controller.abort(error)
      resolve({ ok: false, kind: 'timed-out', error })
    }, timeoutMs)
  })
  try {
    return await Promise.race([finished, expired])
  } finally {
    clearTimeout(timer)
  }
}

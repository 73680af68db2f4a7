/**
 * What `/healthz` and `/readyz` answer, from the cluster's phase and its listening workers. Pure:
 * the HTTP server (ops-server.ts) only sends these.
 */

/** Where the cluster stands as a whole: `stopping` from `stop()` on, `failed` once its restart budget is spent. */
export type ClusterPhase = 'running' | 'stopping' | 'stopped' | 'failed'

/** A probe's answer: HTTP status and a one-line text body. */
export interface ProbeAnswer {
  status: 200 | 503
  body: string
}

/**
 * Liveness: 200 while the master runs its cluster. A stopping or failed master answers 503, so
 * that an orchestrator does not count it as healthy while it winds down.
 *
 * @example
 * answerHealth('running') // → { status: 200, body: 'ok\n' }
 */
export function answerHealth(phase: ClusterPhase): ProbeAnswer {
  return phase === 'running' ? { status: 200, body: 'ok\n' } : { status: 503, body: `${phase}\n` }
}

/**
 * Readiness: 200 once at least `needed` workers listen (or called `ready()`), else 503 saying how
 * many listen of how many needed.
 *
 * @example
 * answerReadiness('running', 1, 2) // → { status: 503, body: 'not ready: 1 worker listening, 2 needed\n' }
 */
export function answerReadiness(phase: ClusterPhase, listening: number, needed: number): ProbeAnswer {
  if (phase !== 'running') return { status: 503, body: `not ready: ${phase}\n` }
  const counts = `${listening} worker${listening === 1 ? '' : 's'} listening, ${needed} needed`
  return listening >= needed ? { status: 200, body: `ready: ${counts}\n` } : { status: 503, body: `not ready: ${counts}\n` }
}

/**
 * Every message the live view shows to a user, each under a comment that says when it happens.
 */

/** `createLiveView({ host })` names a host that is not loopback and no `token` was given. */
export function describeMissingToken(host: string): string {
  return `createLiveView() cannot bind to "${host}" without a token: anyone who can reach that address could watch the cluster. Pass \`token\` (a long random string) or bind to 127.0.0.1.`
}

/** `createLiveView({ token })` got something other than a non-empty string. */
export function describeBadToken(token: unknown): string {
  return `Expected \`token\` to be a non-empty string, got \`${String(token)}\` (${typeof token}).`
}

/** `createLiveView({ port })` got something other than an integer from 0 to 65535. */
export function describeBadPort(port: unknown): string {
  return `Expected \`port\` to be an integer from 0 to 65535, got \`${String(port)}\` (${typeof port}).`
}

/** `createLiveView({ host })` got something other than a non-empty string. */
export function describeBadHost(host: unknown): string {
  return `Expected \`host\` to be a non-empty string such as '127.0.0.1', got \`${String(host)}\` (${typeof host}).`
}

/** `createLiveView({ workerMachine })` got something that is not an XState machine. */
export function describeBadMachine(machine: unknown): string {
  return `Expected \`workerMachine\` to be an XState machine (from setup().createMachine()), got \`${String(machine)}\` (${typeof machine}).`
}

/** `createLiveView({ maxClients })` got something other than a positive integer. */
export function describeBadMaxClients(value: unknown): string {
  return `Expected \`maxClients\` to be an integer from 1 and up, got \`${String(value)}\` (${typeof value}).`
}

/** `createLiveView({ allowedHosts })` got something other than an array of host names. */
export function describeBadAllowedHosts(value: unknown): string {
  return `Expected \`allowedHosts\` to be an array of host names such as ['dashboard.internal'], got \`${String(value)}\` (${typeof value}).`
}

/** A request's Host header names a host this view does not serve (DNS rebinding, or a proxy not listed in `allowedHosts`). */
export const FOREIGN_HOST =
  'Forbidden: this live view does not answer to that Host header. Open it by its own address, or add the name to `allowedHosts`.'

/** A request lacks the token, or carries a wrong one. */
export const BAD_TOKEN = 'Unauthorized: this live view needs its token (?token=… or an `Authorization: Bearer …` header).'

/** A request used a method other than GET or HEAD: the view changes nothing. */
export const READ_ONLY = 'Method Not Allowed: the live view is read-only; use GET.'

/** More browsers than `maxClients` listen to the event stream at once. */
export function describeTooManyClients(maxClients: number): string {
  return `Service Unavailable: ${maxClients} live view ${maxClients === 1 ? 'client is' : 'clients are'} connected already (the most allowed); close a tab, or raise the limit with supervise({ dashboard: { maxClients } }) or createLiveView({ maxClients }).`
}

/** `createLiveView({ stallTimeout })` got something other than a positive integer. */
export function describeBadStallTimeout(value: unknown): string {
  return `Expected \`stallTimeout\` to be an integer number of ms from 1 and up, got \`${String(value)}\` (${typeof value}).`
}

/** An inspection observer given to `combineInspectors()` threw; the others still run. */
export function describeObserverFailure(error: unknown): string {
  return `An XState inspection observer threw and was skipped for this event: ${error instanceof Error ? error.message : String(error)}`
}

/** A browser page of another site tried to open the inspector's WebSocket (it could inject made-up actors). */
export const FOREIGN_ORIGIN = 'Forbidden: this inspector accepts WebSocket connections from programs, or from pages of its own origin only.'

/** More inspected programs than the inspector takes at once (16). */
export const TOO_MANY_INSPECTORS = 'Service Unavailable: 16 programs are sending inspection events already; stop one first.'

/** `renderStatechart(machine)` got something that is not an XState machine. */
export function describeBadChartMachine(machine: unknown): string {
  return `renderStatechart() expects an XState machine (from setup().createMachine()), got \`${String(machine)}\` (${typeof machine}).`
}

/** `renderStatechart(machine, { format })` got a format it cannot write. */
export function describeBadChartFormat(format: unknown): string {
  return `Expected \`format\` to be 'svg' or 'mermaid', got \`${String(format)}\` (${typeof format}).`
}

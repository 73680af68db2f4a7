/**
 * Every message the worker side shows a user, in one place. Each entry says when it happens.
 */

// The worker's channel to the master closed while it had calls pending on the master.
export const masterExitedMessage = (): string =>
  'The master went away (the IPC channel closed) while this call to it was pending; this worker is now an ' + 'orphan and exits.'

// serve() or ready() was called in a process that has no IPC channel (not forked).
export const noIpcChannelMessage = (api: string): string =>
  `${api} needs an IPC channel to the master, and this process has none: run this file as a cluster worker ` +
  '(or a child_process.fork() child), not directly with node.'

// serve() was called twice in one worker.
export const alreadyServingMessage = (): string =>
  'serve() was already called in this worker; call it once, with every handler of the contract.'

// serve(api, handlers, { actors }) with something that is not an object of machines.
export const badActorsMessage = (actors: unknown): string =>
  `serve(): expected \`actors\` to be an object of machines such as { order: orderMachine }, got \`${String(actors)}\` (${typeof actors})`

// serve(api, handlers, { actors: { k: … } }) with a kind the contract does not declare.
export const unknownActorKindMessage = (kind: string, known: readonly string[]): string =>
  `serve(): actor kind ${JSON.stringify(kind)} is not in the contract` +
  (known.length > 0 ? ` (it declares ${known.map((k) => JSON.stringify(k)).join(', ')})` : ' (it declares no actors)') +
  `; add it to defineContract({ actors: { ${kind}: machine } }).`

// serve(api, handlers, { actors: { k: notAMachine } }).
export const badActorMachineMessage = (kind: string): string =>
  `serve(): \`actors.${kind}\` is not an XState machine; pass the machine made by createMachine() or setup().createMachine()`

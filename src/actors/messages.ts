/**
 * Every message the actor layer shows a user, and the names of its built-in RPC methods. Each
 * message says when it happens.
 */

// The built-in methods of actor traffic, over the worker's existing RPC peer (`$` names never
// reach the user's handlers). Master → worker notification, one per tick (actor-outbox.ts):
export const BATCH = '$actor.batch' // [ActorOp[]]: host (or restore) actors, apply events, in order
// Master → worker request: stop these actors and answer with their last snapshots (a move).
export const PASSIVATE = '$actor.passivate' // [[kind, id][]] → ActorReport[]
/** The built-ins a worker serves for its actors. */
export const ACTOR_WORKER_METHODS = [BATCH, PASSIVATE] as const
// Worker → master notifications:
export const KINDS = '$actor.kinds' // [kinds]: the kinds this worker hosts (sent by serve())
export const APPLIED = '$actor.applied' // [ActorReport[]]: snapshots after transitions, coalesced per tick
export const FAILED = '$actor.failed' // [kind, id, seq, serialized error]: the actor stopped in error
// Worker → master, for refs held in a worker (`master.actor()`):
export const SEND = '$actor.send' // notification [kind, id, event, input]
export const SEND_AND_WAIT = '$actor.sendAndWait' // request [kind, id, event, input, timeout]

const describe = (kind: string, id: string): string => `actor ${kind}/${JSON.stringify(id)}`

// cluster.actor()/master.actor() with a kind that the contract does not declare.
export const unknownKindMessage = (api: string, kind: string, known: readonly string[]): string =>
  `${api}: the contract has no actor kind ${JSON.stringify(kind)}` +
  (known.length > 0 ? `; it declares ${known.map((k) => JSON.stringify(k)).join(', ')}.` : '; it declares none.') +
  ` Add it to defineContract({ actors: { ${kind}: machine } }) and to serve(api, handlers, { actors }).`

// cluster.actor()/master.actor() with an id that is not a non-empty string.
export const badIdMessage = (api: string, id: unknown): string =>
  `${api}: expected the actor id to be a non-empty string, got ${typeof id === 'string' ? '""' : `\`${String(id)}\` (${typeof id})`}`

// send()/sendAndWait() with something that is not an event object.
export const badEventMessage = (kind: string, id: string, event: unknown): string =>
  `${describe(kind, id)}.send(): expected an event object such as { type: 'PAY' }, got \`${String(event)}\` (${typeof event})`

// sendAndWait() whose deadline passed before the event was applied and its snapshot stored.
export const actorTimeoutMessage = (kind: string, id: string, type: string, timeout: number, where: string): string =>
  `${describe(kind, id)}.sendAndWait(${JSON.stringify(type)}) timed out after ${timeout} ms: ${where}. ` +
  'The event stays queued and is still applied in order; pass a longer { timeout } to wait for it.'

// Events held while no live worker hosts the kind, past the hold deadline.
export const unavailableMessage = (kind: string, id: string, holdTimeout: number): string =>
  `${describe(kind, id)}: no listening worker hosted kind ${JSON.stringify(kind)} for ${holdTimeout} ms, so its held events were dropped. ` +
  `Start workers with serve(api, handlers, { actors: { ${kind} } }) or raise actors.holdTimeout.`

// The machine threw (its snapshot's status became 'error') while applying this event.
export const actorFailedMessage = (kind: string, id: string, seq: number, workerId: number, reason: string): string =>
  `${describe(kind, id)} failed in worker ${workerId} applying event #${seq}: ${reason}. ` +
  'That event is skipped; the actor restarts from its last good snapshot while its restart budget (actors.restart) lasts.'

// The actor spent its restart budget and was stopped; its later events are refused.
export const actorStoppedMessage = (kind: string, id: string, restarts: number, period: number): string =>
  `${describe(kind, id)} is stopped: it failed ${restarts} times within ${period} ms, which spends its restart budget ` +
  '(actors.restart.maxRestarts in actors.restart.period). Fix the machine (see the actor-error events) and restart the cluster.'

// A persisted snapshot is larger than the worker's maxPayload; it cannot be stored.
export const snapshotTooLargeMessage = (kind: string, id: string, size: number, limit: number): string =>
  `${describe(kind, id)}: its persisted snapshot is ${size} bytes encoded, over the limit of ${limit} bytes (maxPayload of serve()); ` +
  'it cannot be stored, so the event is skipped. Keep large data out of the context (store a key to it) or raise maxPayload.'

// cluster.actor() on a cluster whose contract declares no actors.
export const noActorsMessage = (api: string): string =>
  `${api}: this cluster has no actors; pass a contract made with defineContract({ actors: { kind: machine } }) as supervise({ contract })`

// An event (or the input of a spawn) could not be encoded for the worker: a function in it, or over maxPayload.
export const encodeRefusedMessage = (kind: string, id: string, what: string, reason: string): string =>
  `${describe(kind, id)}: ${what} could not be sent to its worker and was dropped: ${reason}`

// The store failed to load, save or delete an actor's record; a load or save is retried.
export const storeFailedMessage = (kind: string, id: string, operation: 'load' | 'save' | 'delete', reason: string): string =>
  `${describe(kind, id)}: the actor store's ${operation}() failed (${reason}); ` +
  (operation === 'delete'
    ? 'the record may outlive the finished actor.'
    : 'retrying every 100 ms. Acknowledged sends wait until it is stored.')

/**
 * Type tests for the contract: checked by `npm run typecheck` (tsc), never run. Each
 * `@ts-expect-error` line must fail to compile, or tsc reports the directive as unused.
 */
import type {
  Contract,
  ContractEvents,
  MasterApi,
  MasterHandlers,
  Settled,
  SettledMethods,
  WorkerApi,
  WorkerHandlers,
} from '../../src/rpc/contract.js'
import { defineContract } from '../../src/rpc/contract.js'
import { createCallProxy } from '../../src/rpc/proxy.js'
import { serve, type MasterLink } from '../../src/worker.js'

interface Stats {
  served: number
}

const api = defineContract<{
  worker: { add(a: number, b: number): number; stats(): Promise<Stats>; $hidden(): void }
  master: { log(line: string): void }
  events: { progress: { done: number } }
}>()

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false
const expectType = <T extends true>(_: T): void => {}

declare const worker: WorkerApi<typeof api>
declare const master: MasterApi<typeof api>

// Results are promises of the (awaited) return type.
expectType<Equal<ReturnType<typeof worker.add>, Promise<number>>>(true)
expectType<Equal<ReturnType<typeof worker.stats>, Promise<Stats>>>(true)
expectType<Equal<ReturnType<typeof master.log>, Promise<void>>>(true)

// @ts-expect-error: no such method
void worker.substract(1, 2)
// @ts-expect-error: wrong argument type
void worker.add('1', 2)
// @ts-expect-error: missing argument
void worker.add(1)
// @ts-expect-error: $-names are never methods
void worker.$hidden()
// @ts-expect-error: the master does not serve the worker's methods
void master.add(1, 2)
// @ts-expect-error: wrong result type
const notAString: Promise<string> = worker.add(1, 2)
void notAString

// A proxy with bound per-call options keeps the method types.
const call = createCallProxy<WorkerApi<typeof api>>(async () => undefined)
expectType<Equal<ReturnType<ReturnType<typeof call.$with>['add']>, Promise<number>>>(true)
// @ts-expect-error: timeout is a number
call.$with({ timeout: '1s' })

// cluster.all-style proxies settle per worker.
declare const all: SettledMethods<{ add(a: number, b: number): number }>
expectType<Equal<ReturnType<typeof all.add>, Promise<Settled<number>[]>>>(true)

// Handlers: every method, right argument and return types, `this.signal` available.
const handlers: WorkerHandlers<typeof api> = {
  add(a, b) {
    expectType<Equal<typeof a, number>>(true)
    this.signal.throwIfAborted()
    return a + b
  },
  async stats() {
    return { served: await this.add(1, 1) }
  },
}
void handlers
// @ts-expect-error: a handler is missing
const missing: WorkerHandlers<typeof api> = { add: (a, b) => a + b }
void missing
const wrongReturn: WorkerHandlers<typeof api> = {
  // @ts-expect-error: add must return a number
  add: (a, b) => `${a}${b}`,
  stats: async () => ({ served: 1 }),
}
void wrongReturn

// The worker's link: typed calls, notifications and events.
declare const link: MasterLink<typeof api>
expectType<Equal<ReturnType<typeof link.call.log>, Promise<void>>>(true)
link.notify.log('line')
link.emit('progress', { done: 1 })
// @ts-expect-error: unknown event
link.emit('progres', { done: 1 })
// @ts-expect-error: wrong payload
link.emit('progress', { done: '1' })
// @ts-expect-error: wrong notification argument
link.notify.log(1)

// serve() checks the handlers against the contract.
// @ts-expect-error: wrong handler argument type
const bad = (): unknown => serve(api, { add: (a: string, b: number) => Number(a) + b, stats: async () => ({ served: 1 }) })
void bad
const contract: Contract = api
void contract

// The master side: its handlers and the events it can subscribe to.
expectType<Equal<ContractEvents<typeof api>, { progress: { done: number } }>>(true)
const noEvents = defineContract<{ worker: {}; master: {} }>()
expectType<Equal<ContractEvents<typeof noEvents>, {}>>(true)
const masterHandlers: MasterHandlers<typeof api> = { log: (line) => void line.toUpperCase() }
void masterHandlers
// @ts-expect-error: the master's log takes a string
const badMaster: MasterHandlers<typeof api> = { log: (line: number) => void line }
void badMaster

// --- Streams: a method declared to return AsyncIterable<T> is read with for await ---------------

const streamingApi = defineContract<{
  worker: { rows(query: string): AsyncIterable<{ id: number }>; count(): number }
  master: { ticks(): AsyncIterable<number> }
}>()
declare const streamingWorker: WorkerApi<typeof streamingApi>
declare const streamingMaster: MasterApi<typeof streamingApi>
expectType<Equal<ReturnType<typeof streamingWorker.rows>, AsyncIterable<{ id: number }>>>(true)
expectType<Equal<ReturnType<typeof streamingMaster.ticks>, AsyncIterable<number>>>(true)
expectType<Equal<ReturnType<typeof streamingWorker.count>, Promise<number>>>(true)
async function readRows(): Promise<void> {
  for await (const row of streamingWorker.rows('q')) expectType<Equal<typeof row, { id: number }>>(true)
  // @ts-expect-error: a plain method's result is a promise, not a stream
  for await (const _ of streamingWorker.count()) void _
}
void readRows
// Handlers: an async generator, or a promise of an async iterable; not a plain array.
const streamingHandlers: WorkerHandlers<typeof streamingApi> = {
  async *rows(query) {
    yield { id: query.length }
  },
  count: () => 1,
}
void streamingHandlers
const promisedStream: WorkerHandlers<typeof streamingApi>['rows'] = async () =>
  (async function* () {
    yield { id: 1 }
  })()
void promisedStream
// @ts-expect-error: an array is not an async iterable
const arrayStream: WorkerHandlers<typeof streamingApi>['rows'] = () => [{ id: 1 }]
void arrayStream

// --- Upload streams: an AsyncIterable<T> argument, typed both ways ------------------------------

const uploadingApi = defineContract<{
  worker: {
    save(rows: AsyncIterable<{ id: number }>): Promise<number>
    transform(rows: AsyncIterable<string>, suffix: string): AsyncIterable<string>
  }
  master: { collect(values: AsyncIterable<number>): number }
}>()
declare const uploadingWorker: WorkerApi<typeof uploadingApi>
declare const uploadingMaster: MasterApi<typeof uploadingApi>
async function* idRows() {
  yield { id: 1 }
}
async function* texts() {
  yield 'a'
}
async function* numbers() {
  yield 1
}
expectType<Equal<ReturnType<typeof uploadingWorker.save>, Promise<number>>>(true)
expectType<Equal<ReturnType<typeof uploadingWorker.transform>, AsyncIterable<string>>>(true)
expectType<Equal<ReturnType<typeof uploadingMaster.collect>, Promise<number>>>(true)
void uploadingWorker.save(idRows())
void uploadingWorker.transform(texts(), '!')
void uploadingMaster.collect(numbers())
// @ts-expect-error: the items must be rows, not strings
void uploadingWorker.save(texts())
// @ts-expect-error: an array is not an async iterable
void uploadingWorker.save([{ id: 1 }])
// @ts-expect-error: a worker uploads numbers to the master, not strings
void uploadingMaster.collect(texts())
// The handler reads the upload with for await, typed by the contract.
const uploadingHandlers: WorkerHandlers<typeof uploadingApi> = {
  async save(rows) {
    let count = 0
    for await (const row of rows) {
      expectType<Equal<typeof row, { id: number }>>(true)
      count += row.id
    }
    return count
  },
  async *transform(rows, suffix) {
    for await (const row of rows) yield row + suffix
  },
}
void uploadingHandlers
const uploadingMasterHandlers: MasterHandlers<typeof uploadingApi> = {
  async collect(values) {
    let sum = 0
    // @ts-expect-error: the upload's items are numbers
    for await (const value of values) sum += value.length
    return sum
  },
}
void uploadingMasterHandlers

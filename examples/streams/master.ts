// Streams both ways, with backpressure: a worker's async generator is read with for await, and
// stopping early (break) runs the generator's finally in the worker.
//   node --import tsx examples/streams/master.ts
import { supervise } from '../../src/index.js'
import { api } from './contract.js'

const cluster = supervise({
  worker: new URL('./worker.ts', import.meta.url),
  count: 1,
  contract: api,
  handlers: {
    async *words() {
      yield* ['streams', 'go', 'both', 'ways']
    },
    log: (line) => console.log(`[worker] ${line}`),
  },
})
await cluster.onReady()

// Read a whole stream; items keep their types (a Date stays a Date).
let total = 0
for await (const row of cluster.any.rows(0, 1_000)) total += row.id
console.log(`sum of 1,000 row ids: ${total}`)

// Stop early: the worker's generator is stopped and its finally runs.
for await (const row of cluster.any.rows(5, 1_000_000)) {
  console.log(`first row from 5: ${row.id} created ${row.createdAt.toISOString().slice(0, 10)}`)
  break
}

// A window of 4 items: the worker never runs more than 4 rows ahead of this loop.
let slow = 0
for await (const _ of cluster.any.$with({ window: 4, timeout: 10_000 }).rows(0, 20)) {
  await new Promise((resolve) => setTimeout(resolve, 5))
  slow++
}
console.log(`read ${slow} rows slowly`)

// The other way: the worker reads a stream the master serves.
console.log(`letters the worker counted: ${await cluster.any.countLetters()}`)
await cluster.stop()

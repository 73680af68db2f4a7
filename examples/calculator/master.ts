// The master spreads 10,000 calls over the workers with cluster.any (least busy first).
//   node --import tsx examples/calculator/master.ts [calls]
import { supervise } from '../../src/index.js'
import { api } from './contract.js'

const calls = Number(process.argv[2] ?? 10_000)
const cluster = supervise({ worker: new URL('./worker.ts', import.meta.url), count: 4, contract: api })
await cluster.onReady()

const started = performance.now()
const results = await Promise.all(Array.from({ length: calls }, (_, i) => cluster.any.add(i, i)))
const elapsed = performance.now() - started

const expected = calls * (calls - 1) // sum of 2i for i < calls
const sum = results.reduce((total, value) => total + value, 0)
console.log(`${results.length} calls answered, sum ${sum} (${sum === expected ? 'correct' : `WRONG, expected ${expected}`})`)
for (const result of await cluster.all.answered()) {
  if (result.status === 'fulfilled') console.log(`worker ${result.workerId} answered ${result.value}`)
}
console.log(`${Math.round(calls / (elapsed / 1000))} calls/s over ${cluster.workers().length} workers`)
await cluster.stop()

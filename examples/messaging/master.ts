// Master and workers call each other through one typed contract: no raw process.send strings.
//   node --import tsx examples/messaging/master.ts
import { supervise } from '../../src/index.js'
import { api } from './contract.js'

let tickets = 0
const cluster = supervise({
  worker: new URL('./worker.ts', import.meta.url),
  count: 2,
  contract: api,
  handlers: {
    log: (line) => console.log(`[worker log] ${line}`),
    nextTicket: () => ++tickets,
  },
})
cluster.on('event', (workerId, name, payload) => console.log(`[event] worker ${workerId} ${name} ${JSON.stringify(payload)}`))

await cluster.onReady()
for (const name of ['Ada', 'Grace', 'Linus']) console.log(await cluster.any.greet(name))

for (const result of await cluster.all.stats()) {
  if (result.status === 'fulfilled') console.log(`worker ${result.workerId}: pid ${result.value.pid} greeted ${result.value.greeted}`)
  else console.log(`worker ${result.workerId} failed: ${String(result.reason)}`)
}
console.log(`tickets handed out: ${tickets}`)
await cluster.stop()

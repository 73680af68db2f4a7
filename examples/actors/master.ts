// Orders as cluster actors: each order is one actor, placed on one worker, durable across a SIGKILL.
//   node --import tsx examples/actors/master.ts
import { waitFor } from 'xstate'
import { supervise } from '../../src/index.js'
import { api } from './contract.js'

const notified = new Set<string>()
const cluster = supervise({
  worker: new URL('./worker.ts', import.meta.url),
  count: 2,
  contract: api,
  handlers: {
    notifyShipped(orderId, customer) {
      if (notified.has(orderId)) return false
      notified.add(orderId)
      console.log(`[master] told ${customer} that ${orderId} shipped`)
      return true
    },
  },
})
cluster.on('actor-error', ({ kind, id, error }) => console.log(`[actor-error] ${kind}/${id}: ${error.message}`))
await cluster.onReady()

const customers = { 'order-1': 'ada', 'order-2': 'grace', 'order-3': 'linus' }
const orders = Object.entries(customers).map(([id, customer]) => cluster.actor('order', id, { input: { customer } }))
for (const order of orders) {
  order.send({ type: 'ADD_ITEM', sku: 'book', price: 12 })
  order.send({ type: 'ADD_ITEM', sku: 'pen', price: 3 })
  await order.sendAndWait({ type: 'CHECKOUT' })
  const { value, context } = order.getSnapshot()
  console.log(`${order.id}: ${value}, ${context.items.length} items, total ${context.total}`)
}

// Kill the worker that hosts order-2: its orders are restored on the other worker from their
// stored snapshots, and the events sent meanwhile are applied there, in order, once.
const hostOf = (id: string) => cluster.actors().find((actor) => actor.id === id)!.workerId
const victim = cluster.workers().find((worker) => worker.workerId === hostOf('order-2'))!
process.kill(victim.pid!, 'SIGKILL')
console.log(`SIGKILLed worker ${victim.workerId}, which hosted order-2`)

orders[2]!.send({ type: 'PAY', amount: 10 }) // too little: the guard keeps order-3 waiting
for (const order of orders) {
  await order.sendAndWait({ type: 'PAY', amount: 15 }, { timeout: 10_000 })
  const { value, context } = order.getSnapshot()
  console.log(`${order.id}: ${value} ${context.paid}`)
}
console.log(
  `order-2 restored on worker ${hostOf('order-2')} (not ${victim.workerId}) with its ${orders[1]!.getSnapshot().context.items.length} items`,
)

for (const order of orders) {
  const done = waitFor(order, (snapshot) => snapshot.status === 'done', { timeout: 10_000 })
  await order.sendAndWait({ type: 'SHIP' })
  console.log(`${order.id}: ${(await done).value}`)
}
// A final state removes the actor; a later send to the same id would start a new order.
console.log(`orders left in the cluster: ${cluster.actors().length}; customers told: ${notified.size}`)
await cluster.stop()

// The contract: the order machine is part of it, so refs on both sides are typed by its events.
import { defineContract } from '../../src/index.js'
import { orderMachine } from './order-machine.js'

export const api = defineContract<{
  worker: {}
  master: {
    /** Tells the customer the order shipped. Idempotent by order id: a repeat is a no-op. */
    notifyShipped(orderId: string, customer: string): boolean
  }
  actors: { order: typeof orderMachine }
}>({ actors: { order: orderMachine } })

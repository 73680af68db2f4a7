// A worker that hosts `order` actors. It gives the machine its side effect: the notification goes
// to the master with the order id as its idempotency key, because after a crash an action may run
// again (the event is redelivered to the restored actor), and the master drops the repeat.
import { serve } from '../../src/worker.js'
import { api } from './contract.js'
import { orderMachine } from './order-machine.js'

const master = serve(
  api,
  {},
  {
    actors: {
      order: orderMachine.provide({
        actions: {
          notifyCustomer: ({ self, context }) => master.notify.notifyShipped(self.id, context.customer),
        },
      }),
    },
  },
)
master.ready()

// One order's workflow: a pure XState machine, shared by master and workers through the contract.
import { assign, setup } from 'xstate'

export interface OrderContext {
  customer: string
  items: { sku: string; price: number }[]
  total: number
  paid: number
}

export const orderMachine = setup({
  types: {
    context: {} as OrderContext,
    input: {} as { customer: string },
    events: {} as
      | { type: 'ADD_ITEM'; sku: string; price: number }
      | { type: 'CHECKOUT' }
      | { type: 'PAY'; amount: number }
      | { type: 'SHIP' },
  },
  actions: {
    // A side effect: the worker provides it (see worker.ts). It may run again after a crash.
    notifyCustomer: () => {},
  },
  guards: {
    coversTotal: ({ context, event }) => event.type === 'PAY' && event.amount >= context.total,
  },
}).createMachine({
  id: 'order',
  context: ({ input }) => ({ customer: input.customer, items: [], total: 0, paid: 0 }),
  initial: 'cart',
  states: {
    cart: {
      on: {
        ADD_ITEM: {
          actions: assign({
            items: ({ context, event }) => [...context.items, { sku: event.sku, price: event.price }],
            total: ({ context, event }) => context.total + event.price,
          }),
        },
        CHECKOUT: 'awaitingPayment',
      },
    },
    // A PAY below the total is not taken: the guard fails and the order keeps waiting.
    awaitingPayment: { on: { PAY: { guard: 'coversTotal', target: 'paid', actions: assign({ paid: ({ event }) => event.amount }) } } },
    paid: { on: { SHIP: { target: 'shipped', actions: 'notifyCustomer' } } },
    shipped: { type: 'final' },
  },
})

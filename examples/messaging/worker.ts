import { serve } from '../../src/worker.js'
import { api } from './contract.js'

const startedAt = Date.now()
let greeted = 0

const master = serve(api, {
  greet(name) {
    greeted++
    master.emit('greeted', { pid: process.pid, name })
    return `hello ${name}, from worker ${process.pid}`
  },
  stats: () => ({ pid: process.pid, greeted, uptimeMs: Date.now() - startedAt }),
})

// Calls go the other way too: ask the master for a ticket, then say so in its log.
const ticket = await master.call.nextTicket()
await master.call.log(`worker ${process.pid} has ticket ${ticket}`)
master.ready()

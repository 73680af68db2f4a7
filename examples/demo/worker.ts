// A demo worker: an HTTP server on the shared port, and a typed stats() call for the master.
import { createServer } from 'node:http'
import { serve } from '../../src/worker.js'
import { api } from './contract.js'

let requests = 0
serve(api, {
  stats: () => ({ pid: process.pid, requests, rssMiB: Math.round(process.memoryUsage().rss / 2 ** 20) }),
})

createServer((_request, response) => {
  requests++
  response.end(`hello from worker ${process.pid}\n`)
}).listen(Number(process.env.PORT ?? 3000), '127.0.0.1')

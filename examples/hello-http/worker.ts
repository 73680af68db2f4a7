// The worker of the classic cluster hello world: every worker listens on the same port, and
// node:cluster hands each connection to one of them.
import { createServer } from 'node:http'

const port = Number(process.env.PORT ?? 3000)

createServer((_request, response) => {
  response.setHeader('x-worker-pid', String(process.pid))
  response.end('hello world\n')
}).listen(port, '127.0.0.1')

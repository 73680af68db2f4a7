// An HTTP worker that answers with the version it was started with.
import { createServer } from 'node:http'

createServer((_request, response) => {
  response.end(`${process.env.VERSION} ${process.pid}\n`)
}).listen(Number(process.env.PORT ?? 3000), '127.0.0.1')

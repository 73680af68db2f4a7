// A plain HTTP worker (keep-alive on, as Node has it by default) that answers with the version
// it was started with. Nothing in it knows of xcluster or of draining.
import { createServer } from 'node:http'

createServer((_request, response) => {
  response.end(`${process.env.VERSION} ${process.pid}\n`)
}).listen(Number(process.env.PORT ?? 3000), '127.0.0.1')

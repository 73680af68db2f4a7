import { serve } from '../../src/worker.js'
import { api } from './contract.js'

const master = serve(api, {
  async *rows(from, to) {
    try {
      for (let id = from; id < to; id++) yield { id, createdAt: new Date(Date.UTC(2026, 0, 1 + id)) }
    } finally {
      // Runs when the stream ends, and also when the master stops reading (break, abort, deadline).
      await master.call.log(`rows(${from}, ${to}) closed its cursor`)
    }
  },
  async countLetters() {
    let letters = 0
    for await (const word of master.call.words()) letters += word.length
    return letters
  },
})
master.ready()

import { serve } from '../../src/worker.js'
import { api } from './contract.js'

let answered = 0
serve(api, {
  add(a, b) {
    answered++
    return a + b
  },
  answered: () => answered,
}).ready()

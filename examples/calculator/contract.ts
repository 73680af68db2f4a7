import { defineContract } from '../../src/index.js'

export const api = defineContract<{
  worker: { add(a: number, b: number): number; answered(): number }
  master: {}
}>()

import { defineContract } from '../../src/index.js'

export interface DemoStats {
  pid: number
  requests: number
  rssMiB: number
}

export const api = defineContract<{
  worker: { stats(): DemoStats }
  master: {}
}>()

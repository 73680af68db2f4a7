// The contract both sides import: what workers serve, what the master serves, what workers emit.
import { defineContract } from '../../src/index.js'

export interface WorkerStats {
  pid: number
  greeted: number
  uptimeMs: number
}

export const api = defineContract<{
  worker: {
    greet(name: string): string
    stats(): WorkerStats
  }
  master: {
    log(line: string): void
    /** The master hands out ticket numbers; workers ask for one when they start. */
    nextTicket(): number
  }
  events: {
    greeted: { pid: number; name: string }
  }
}>()

/**
 * The resident memory of a worker read by the master, for workers that cannot report it
 * themselves: an unmodified server (`xcluster start server.js`) never loads xcluster's worker side,
 * so it answers no heartbeat, and `health.maxRss` would never see it grow.
 */
import { readFile } from 'node:fs/promises'

const VM_RSS = /^VmRSS:\s+(\d+)\s+kB$/m

/**
 * A process's resident set size in bytes, from Linux's `/proc/<pid>/status`; undefined elsewhere,
 * or once the process is gone.
 */
export async function readProcessRss(pid: number): Promise<number | undefined> {
  if (process.platform !== 'linux' || !(pid > 0)) return undefined
  try {
    const match = VM_RSS.exec(await readFile(`/proc/${pid}/status`, 'latin1'))
    return match ? Number(match[1]) * 1024 : undefined
  } catch {
    return undefined
  }
}

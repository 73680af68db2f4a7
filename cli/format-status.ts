import type { AppStatus } from './control-protocol.js'

/** `xcluster status` as a terminal table: one line per worker, under a line about the app. */
export function formatStatus(status: AppStatus, now = Date.now()): string {
  const header = ['slot', 'worker', 'pid', 'state', 'gen', 'restarts', 'in flight', 'uptime']
  const rows = status.workers.map((w) => [
    w.slotId,
    w.workerId === null ? '-' : String(w.workerId),
    w.pid === null ? '-' : String(w.pid),
    w.state,
    String(w.generation),
    String(w.restarts),
    String(w.inFlight),
    formatDuration(now - w.startedAt),
  ])
  const widths = header.map((_, column) => Math.max(...[header, ...rows].map((row) => row[column]!.length)))
  const line = (row: string[]) =>
    row
      .map((cell, column) => cell.padEnd(widths[column]!))
      .join('  ')
      .trimEnd()
  const listening = status.workers.filter((w) => w.state === 'listening').length
  return [
    `${status.name}: ${status.script} (master pid ${status.pid}, up ${formatDuration(now - status.startedAt)}), ${listening}/${status.instances} workers listening`,
    line(header),
    ...rows.map(line),
  ].join('\n')
}

/** "3h 2m", "4m 10s", "12s". */
export function formatDuration(ms: number): string {
  const seconds = Math.max(0, Math.floor(ms / 1000))
  if (seconds < 60) return `${seconds}s`
  const minutes = Math.floor(seconds / 60)
  if (minutes < 60) return `${minutes}m ${seconds % 60}s`
  return `${Math.floor(minutes / 60)}h ${minutes % 60}m`
}

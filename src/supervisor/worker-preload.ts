// Loaded into every worker before its own code (`--import`). Keep it small: every import here is
// part of every worker's start. start-marks.js comes first: its first mark says when the loaders
// before the preload were done.
import { watchFirstListen } from './start-marks.js'
import { installHttpDrain } from './http-drain.js'

// A disconnect closes the worker's servers: make HTTP servers drain their kept-alive
// connections then, so that a reload or stop loses no request (see http-drain.ts).
installHttpDrain()

// Ctrl-C in a terminal sends SIGINT to the whole process group, workers included; the master
// turns it into a graceful stop, so a worker must not die of it first, mid-request. Disconnect,
// SIGTERM and SIGKILL still end it.
process.on('SIGINT', () => {})

// After a graceful disconnect node:cluster lets a worker finish on its own time, and the master
// escalates to SIGTERM and SIGKILL if it lingers. If the master itself is gone, nobody will:
// a worker with an open handle (a database pool, a timer) would run on forever as an orphan.
const ORPHAN_CHECK_INTERVAL = 500 // ms
const masterPid = process.ppid
process.once('disconnect', () => {
  const timer = setInterval(() => {
    if (process.ppid !== masterPid) process.exit(1)
  }, ORPHAN_CHECK_INTERVAL)
  timer.unref()
})

// Last: the preload is done, the worker's own file loads next (the start split, start-timing.ts).
watchFirstListen()

// Loaded into every worker before its own code (`--import`). Ctrl-C in a terminal sends SIGINT to
// the whole process group, workers included; the master turns it into a graceful stop, so a
// worker must not die of it first, mid-request. Disconnect, SIGTERM and SIGKILL still end it.
process.on('SIGINT', () => {})

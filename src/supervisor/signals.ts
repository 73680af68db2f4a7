interface Stoppable {
  stop(reason: string): Promise<void>
  onStopped(): Promise<void>
}

const SIGNALS = ['SIGINT', 'SIGTERM'] as const

/**
 * SIGINT/SIGTERM stop the cluster gracefully, then exit: 0 when it stopped, 1 when it had failed.
 * A second signal while stopping exits at once with 130; the workers see their IPC channel close
 * and exit with it. The listeners go away when the cluster stops, so a program that stops its
 * cluster itself keeps Node's default signal behaviour afterwards.
 */
export function handleSignals(cluster: Stoppable): void {
  let isStopping = false
  const onSignal = (signal: NodeJS.Signals) => {
    if (isStopping) process.exit(130)
    isStopping = true
    cluster.stop(`${signal} received by the master`).then(
      () =>
        cluster.onStopped().then(
          () => process.exit(0),
          () => process.exit(1),
        ),
      () => process.exit(1),
    )
  }
  for (const signal of SIGNALS) process.on(signal, onSignal)
  const remove = () => {
    if (isStopping) return
    for (const signal of SIGNALS) process.off(signal, onSignal)
  }
  cluster.onStopped().then(remove, remove)
}

/** Test helpers about real processes: is a pid alive, wait for a condition. */

/** True while a process with this pid exists (signal 0 checks without sending anything). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/** Poll `condition` every 20 ms until it holds; reject with `message` after `limit` ms. */
export async function waitFor(condition: () => boolean, message: string, limit = 15_000): Promise<void> {
  const start = Date.now()
  while (!condition()) {
    if (Date.now() - start > limit) throw new Error(`timed out waiting for: ${message}`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

/** The path of a fixture in test/fixtures. */
export function fixture(name: string): string {
  return new URL(`../fixtures/${name}`, import.meta.url).pathname
}

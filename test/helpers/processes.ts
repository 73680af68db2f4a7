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

/** A program started under tsx whose output the test reads as it comes. */
export interface WatchedProgram {
  child: import('node:child_process').ChildProcessWithoutNullStreams
  readonly stdout: string
  readonly stderr: string
  /** Resolves with [code, signal] when it exits. */
  exited: Promise<[number | null, string | null]>
  /** SIGKILL it (and its process group when detached) if it still runs. */
  kill(): void
}

/**
 * Start `node --import tsx <file>` and collect its output. `detached` gives it a process group of
 * its own, as a shell's foreground job has, so that a test can signal the whole group.
 */
export async function startProgram(
  file: string,
  options: { env?: Record<string, string>; detached?: boolean } = {},
): Promise<WatchedProgram> {
  const { spawn } = await import('node:child_process')
  const child = spawn(process.execPath, ['--import', 'tsx', file], {
    cwd: new URL('../../', import.meta.url).pathname,
    env: { ...process.env, ...options.env },
    stdio: ['pipe', 'pipe', 'pipe'],
    detached: options.detached ?? false,
  })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (chunk) => (stdout += chunk))
  child.stderr.on('data', (chunk) => (stderr += chunk))
  const exited = new Promise<[number | null, string | null]>((resolve) => child.on('exit', (code, signal) => resolve([code, signal])))
  return {
    child,
    get stdout() {
      return stdout
    },
    get stderr() {
      return stderr
    },
    exited,
    kill() {
      if (child.exitCode !== null || child.signalCode !== null) return
      if (options.detached) process.kill(-child.pid!, 'SIGKILL')
      else child.kill('SIGKILL')
    },
  }
}

/** The rejection of `promise`; fails with `message` when it resolves instead. */
export async function rejectionOf(promise: Promise<unknown>, message = 'Expected the promise to reject, but it resolved'): Promise<any> {
  try {
    await promise
  } catch (error) {
    return error
  }
  throw new Error(message)
}

import { execFile } from 'node:child_process'
import { createServer } from 'node:net'

/** What an example printed and how it ended. */
export interface ExampleRun {
  code: number | null
  signal: string | null
  stdout: string
  stderr: string
}

const ROOT = new URL('../../', import.meta.url).pathname

/** Run `examples/<path>` under tsx as a user would, with a deadline of `limit` ms. */
export function runExample(
  path: string,
  options: { args?: string[]; env?: Record<string, string>; limit?: number } = {},
): Promise<ExampleRun> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', `examples/${path}`, ...(options.args ?? [])],
      { cwd: ROOT, env: { ...process.env, ...options.env }, timeout: options.limit ?? 60_000, killSignal: 'SIGKILL' },
      (error, stdout, stderr) => {
        const failure = error as (Error & { code?: number | string; signal?: string }) | null
        resolve({
          code: failure ? (typeof failure.code === 'number' ? failure.code : null) : 0,
          signal: failure?.signal ?? null,
          stdout,
          stderr,
        })
      },
    )
  })
}

/** A TCP port that was free a moment ago on 127.0.0.1. */
export function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number }
      server.close(() => resolve(port))
    })
  })
}

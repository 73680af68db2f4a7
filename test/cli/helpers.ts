import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createRequire } from 'node:module'
import { fileURLToPath, pathToFileURL } from 'node:url'

/** The real bin, run from source under tsx (the built one is dist/cli/bin.js). */
export const BIN = fileURLToPath(new URL('../../cli/bin.ts', import.meta.url))
// Resolved here, so that the CLI starts the same from any working directory. Not with
// import.meta.resolve: uvu -r tsx loads test files as CommonJS, where tsx's shim has no resolve().
const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href
export const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url))

/** A running `xcluster` command: its output so far and its exit. */
export interface CliProcess {
  child: ChildProcessWithoutNullStreams
  readonly stdout: string
  readonly stderr: string
  exited: Promise<{ code: number | null; signal: string | null }>
  /** Resolves once stdout holds `text`; rejects with the output if the process exits first. */
  onOutput(text: string | RegExp): Promise<void>
  kill(): void
}

/** Start `xcluster …args` as its own process. */
export function spawnCli(args: string[], options: { cwd?: string; env?: Record<string, string> } = {}): CliProcess {
  const child = spawn(process.execPath, ['--import', TSX, BIN, ...args], {
    cwd: options.cwd ?? fileURLToPath(new URL('../../', import.meta.url)),
    env: { ...process.env, ...options.env },
    stdio: ['pipe', 'pipe', 'pipe'],
  })
  let stdout = ''
  let stderr = ''
  const waiters = new Set<() => void>()
  child.stdout.on('data', (chunk) => {
    stdout += chunk
    for (const check of [...waiters]) check()
  })
  child.stderr.on('data', (chunk) => (stderr += chunk))
  const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) =>
    child.on('exit', (code, signal) => {
      resolve({ code, signal })
      for (const check of [...waiters]) check()
    }),
  )
  return {
    child,
    get stdout() {
      return stdout
    },
    get stderr() {
      return stderr
    },
    exited,
    onOutput(text) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (typeof text === 'string' ? stdout.includes(text) : text.test(stdout)) {
            waiters.delete(check)
            resolve()
          } else if (child.exitCode !== null || child.signalCode !== null) {
            waiters.delete(check)
            reject(new Error(`xcluster exited before printing ${text}\nstdout: ${stdout}\nstderr: ${stderr}`))
          }
        }
        waiters.add(check)
        check()
      })
    },
    kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
    },
  }
}

/** Run a short `xcluster` command to its end. */
export async function runCli(args: string[], options: { cwd?: string; env?: Record<string, string> } = {}) {
  const cli = spawnCli(args, options)
  const { code, signal } = await cli.exited
  return { code, signal, stdout: cli.stdout, stderr: cli.stderr }
}

/** A fresh private run directory (mkdtemp makes it 0700), short enough for a socket path. */
export function createRunDir(): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), 'xc-'))
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) }
}

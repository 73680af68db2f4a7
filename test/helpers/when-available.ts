/**
 * Tests that need something outside Node (Redis and MariaDB, Chromium). Where it is missing they
 * are registered as uvu skips, so uvu's summary counts them under `Skipped` (never as passed or
 * failed), each printed with the command that enables it. In CI (`CI` set) nothing is skipped:
 * the tests run and fail on what is missing, because CI must run them.
 */
import { existsSync } from 'node:fs'
import { spawnSync } from 'node:child_process'
import { delimiter, join } from 'node:path'
import type { Test } from 'uvu'

/** What a group of tests needs, and whether this machine has it. */
export interface TestRequirement {
  /** Why the tests cannot run here, or `null` when they can. */
  missing: string | null
  /** The command that makes them run. */
  enable: string
}

/** True under CI, where a missing requirement fails the tests instead of skipping them. */
export const IS_CI = !['', '0', 'false'].includes(process.env.CI ?? '')

/** Whether an executable is on PATH (or in /usr/sbin, /sbin, where Debian puts mariadbd). */
export function isInstalled(name: string): boolean {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/sbin']
  return dirs.some((dir) => dir !== '' && existsSync(join(dir, name)))
}

/** The command that installs the Debian packages the tests use (scripts/install-system-deps.sh). */
export function installCommand(): string {
  return `\`${process.getuid?.() === 0 ? '' : 'sudo '}bash scripts/install-system-deps.sh\`, then \`npm test\``
}

// Run by canConnect() in a child: exits 0 when a TCP connection to argv[1]:argv[2] opens in time.
const CONNECT_PROBE = `const socket = require('node:net').connect({ host: process.argv[1], port: Number(process.argv[2]) })
socket.setTimeout(Number(process.argv[3]), () => process.exit(1))
socket.once('connect', () => process.exit(0))
socket.once('error', () => process.exit(1))`

/**
 * Whether a TCP connection to `url`'s host and port opens within `limit` ms. Synchronous (a
 * child process) because skips are decided while the test file loads, and uvu loads test files
 * through tsx's CommonJS hook, where there is no top-level await.
 */
export function canConnect(url: string, limit = 1_000): boolean {
  const { hostname, port } = new URL(url)
  const probe = spawnSync(process.execPath, ['-e', CONNECT_PROBE, hostname, port, String(limit)], {
    stdio: 'ignore',
    timeout: limit + 5_000,
  })
  return probe.status === 0
}

/**
 * `test`, whose tests are registered as skips when `requirement` is missing and this is not CI.
 * Hooks and `run()` are `test`'s own; the reasons print when the suite runs.
 */
export function whenAvailable<T>(test: Test<T>, requirement: TestRequirement): Test<T> {
  const { missing, enable } = requirement
  if (missing === null || IS_CI) return test
  const skipped: string[] = []
  test.before(() => {
    const names = skipped.map((name) => `\n    - ${name}`).join('')
    process.stdout.write(
      `\n  SKIPPED ${skipped.length} test${skipped.length === 1 ? '' : 's'}: ${missing}; enable with ${enable}${names}\n`,
    )
  })
  const register = (name: string) => {
    skipped.push(name)
    test.skip(name)
  }
  return Object.assign(register, test, { only: register }) as unknown as Test<T>
}

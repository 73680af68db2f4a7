/**
 * Issue 13 part 6: the CLI as a package user runs it, built (tsc's output and the CommonJS preload,
 * as `npm run build` makes them) and under plain node. A CommonJS server's workers then load no
 * TypeScript loader and no ES module preload: their only Node flag is `--require` of the CommonJS
 * preload, and nothing hooked require().
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process'
import { once } from 'node:events'
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { get } from '../helpers/http-load.js'
import { fixture } from '../helpers/processes.js'
import { findFreePort } from '../helpers/run-example.js'
import { createRunDir } from './helpers.js'

const REPO = fileURLToPath(new URL('../../', import.meta.url))
const TSC = join(REPO, 'node_modules/typescript/bin/tsc')
const cli = suite('the built CLI')
// Inside the repository (test/artifacts is ignored by git), so that the build resolves the
// repository's node_modules as the installed package resolves its own.
mkdirSync(join(REPO, 'test/artifacts'), { recursive: true })
const BUILT = mkdtempSync(join(REPO, 'test/artifacts/built-cli-'))
const cleanups: Array<() => void> = []
let master: ChildProcess | undefined

cli.before(() => {
  execFileSync(process.execPath, [TSC, '-p', 'tsconfig.build.json', '--outDir', BUILT], { cwd: REPO, stdio: 'inherit' })
  execFileSync(process.execPath, [join(REPO, 'scripts/build-preload-commonjs.mjs'), BUILT], { cwd: REPO, stdio: 'inherit' })
  // The CLI reads its version from the package.json beside its folder, as in dist/.
  copyFileSync(join(REPO, 'package.json'), join(BUILT, 'package.json'))
})

cli.after.each(() => {
  if (master && master.exitCode === null && master.signalCode === null) master.kill('SIGKILL')
  for (const cleanup of cleanups.splice(0)) cleanup()
})

cli.after(() => rmSync(BUILT, { recursive: true, force: true }))

cli('runs a .cjs server with no TypeScript loader in its workers: their only flag is the CommonJS preload', async () => {
  const port = await findFreePort()
  const runDir = createRunDir()
  cleanups.push(runDir.remove)
  master = spawn(
    process.execPath,
    [join(BUILT, 'cli/bin.js'), 'start', fixture('boot-report-server.cjs'), '-i', '1', '--run-dir', runDir.path],
    {
      env: { ...process.env, PORT: String(port) },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  )
  let output = ''
  master.stderr!.on('data', (chunk) => (output += chunk))
  await new Promise<void>((resolve, reject) => {
    master!.stdout!.on('data', (chunk) => {
      output += chunk
      if (/worker listening\n/.test(output)) resolve()
    })
    master!.once('exit', (code) => reject(new Error(`xcluster start exited with ${code}: ${output}`)))
  })
  const report = JSON.parse(await get(port)) as { execArgv: string[]; hasTypeScriptHook: boolean }
  assert.equal(report.execArgv, ['--require', join(BUILT, 'cjs/preload/src/supervisor/worker-preload.js')])
  assert.is(report.hasTypeScriptHook, false)
  const exited = once(master, 'exit')
  master.kill('SIGTERM')
  assert.equal(await exited, [0, null], output)
})

cli.run()

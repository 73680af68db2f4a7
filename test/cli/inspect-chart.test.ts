import { spawn } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { runCli, spawnCli, type CliProcess } from './helpers.js'

const WORKER_MACHINE = fileURLToPath(new URL('../../machines/worker/worker.ts', import.meta.url))
const PLAIN_APP = fileURLToPath(new URL('../fixtures/inspect-plain-app.ts', import.meta.url))
const running: CliProcess[] = []
const dirs: string[] = []

// Inside the repo (test/artifacts/ is git-ignored) so that a file there resolves `xstate`.
const ARTIFACTS = fileURLToPath(new URL('../artifacts/', import.meta.url))

function tempDir(): string {
  mkdirSync(ARTIFACTS, { recursive: true })
  const dir = mkdtempSync(join(ARTIFACTS, 'chart-'))
  dirs.push(dir)
  return dir
}

const chart = suite('xcluster chart')

chart.after.each(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

chart('writes the worker machine as a standalone SVG with every state, and as Mermaid', async () => {
  const out = join(tempDir(), 'worker.svg')
  const svg = await runCli(['chart', WORKER_MACHINE, '--out', out])
  assert.is(svg.code, 0, svg.stderr)
  const text = readFileSync(out, 'utf8')
  assert.ok(text.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<svg'), text.slice(0, 80))
  for (const state of ['forking', 'online', 'listening', 'disconnecting', 'exited'])
    assert.ok(text.includes(`>${state}<`), `the SVG names ${state}`)
  const mermaid = await runCli(['chart', WORKER_MACHINE, '--format', 'mermaid'])
  assert.is(mermaid.code, 0, mermaid.stderr)
  assert.ok(mermaid.stdout.startsWith('stateDiagram-v2\n'), mermaid.stdout.slice(0, 40))
  assert.ok(mermaid.stdout.includes('[*] --> s_forking'), 'the initial state is marked')
})

chart('a file without a machine, a wrong --export and several machines each exit 1 with a message that says what to do', async () => {
  const dir = tempDir()
  const none = join(dir, 'none.mjs')
  writeFileSync(none, 'export const notAMachine = { root: 1 }\n')
  const noMachine = await runCli(['chart', none])
  assert.is(noMachine.code, 1)
  assert.is(
    noMachine.stderr.trim(),
    `xcluster chart: ${none} exports no XState machine; export one (createMachine or setup().createMachine).`,
  )

  const two = join(dir, 'two.mjs')
  writeFileSync(
    two,
    "import { createMachine } from 'xstate'\nexport const a = createMachine({ id: 'a' })\nexport const b = createMachine({ id: 'b' })\n",
  )
  const several = await runCli(['chart', two])
  assert.is(several.code, 1)
  assert.is(several.stderr.trim(), `xcluster chart: ${two} exports several machines (a, b); choose one with --export.`)

  const broken = join(dir, 'broken.mjs')
  writeFileSync(broken, "throw new Error('boom at load')\n")
  const loading = await runCli(['chart', broken])
  assert.is(loading.code, 1)
  assert.is(loading.stderr.trim(), `xcluster chart: loading ${broken} failed: boom at load`)

  const wrongExport = await runCli(['chart', WORKER_MACHINE, '--export', 'nope'])
  assert.is(wrongExport.code, 1)
  assert.is(wrongExport.stderr.trim(), `xcluster chart: ${WORKER_MACHINE} exports no machine named "nope"; its machines: workerMachine.`)
})

// ---

/** Polls an async condition every 50 ms, for at most `limit` ms. */
async function eventually(condition: () => Promise<boolean>, what: string, limit = 20_000): Promise<void> {
  const start = Date.now()
  while (!(await condition())) {
    if (Date.now() - start > limit) throw new Error(`timed out waiting for: ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

const inspect = suite('xcluster inspect')

inspect.after.each(() => {
  for (const cli of running.splice(0)) cli.kill()
})

inspect('a plain XState program with createWebSocketInspector shows up live, and SIGTERM exits 0', async () => {
  const cli = spawnCli(['inspect', '--port', '0'])
  running.push(cli)
  await cli.onOutput(/createWebSocketInspector\(\{ url: '(ws:\/\/[^']+)' \}\)/)
  const inspectorUrl = /url: '(ws:\/\/[^']+)'/.exec(cli.stdout)![1]!
  const pageUrl = /open (http:\/\/\S+)/.exec(cli.stdout)![1]!
  const app = spawn(process.execPath, ['--import', 'tsx', PLAIN_APP], {
    env: { ...process.env, INSPECTOR_URL: inspectorUrl },
    stdio: ['pipe', 'pipe', 'inherit'],
  })
  const readState = async () =>
    (await fetch(new URL('state.json', pageUrl)).then((r) => r.json())) as { actors: Array<{ machineId: string; states: string[] }> }
  await eventually(
    async () => (await readState()).actors.some((a) => a.machineId === 'light' && a.states.includes('green')),
    'the light, green',
  )
  app.stdin.write('next\n')
  await eventually(
    async () => (await readState()).actors.some((a) => a.machineId === 'light' && a.states.includes('yellow')),
    'the light, yellow',
  )
  app.stdin.end('quit\n')
  const [appCode] = await new Promise<[number | null]>((resolve) => app.on('exit', (code) => resolve([code])))
  assert.is(appCode, 0)
  cli.child.kill('SIGTERM')
  assert.equal(await cli.exited, { code: 0, signal: null })
})

inspect('a bad port exits 1 naming the flag', async () => {
  const result = await runCli(['inspect', '--port', '70000'])
  assert.is(result.code, 1)
  assert.is(result.stderr.trim(), 'xcluster: flags: `--port` must be a port number from 0 to 65535, got "70000"')
})

chart.run()
inspect.run()

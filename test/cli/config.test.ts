import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { get } from '../helpers/http-load.js'
import { findFreePort } from '../helpers/run-example.js'
import { type CliProcess, createRunDir, FIXTURES, runCli, spawnCli } from './helpers.js'

const cleanups: Array<() => void> = []
const started: CliProcess[] = []
const config = suite('xcluster config files')

config.after.each(() => {
  for (const process of started.splice(0)) process.kill()
  for (const cleanup of cleanups.splice(0)) cleanup()
})

/** A fresh directory holding `file` with `content`; it doubles as the run directory. */
function writeConfig(file: string, content: string): { dir: string; path: string } {
  const dir = createRunDir()
  cleanups.push(dir.remove)
  const path = join(dir.path, file)
  writeFileSync(path, content)
  return { dir: dir.path, path }
}

config('an unknown key is refused with the file and the key named', async () => {
  const { dir, path } = writeConfig(
    'xcluster.config.json',
    JSON.stringify({ apps: [{ script: join(FIXTURES, 'server.cjs'), instnces: 2 }] }),
  )
  const result = await runCli(['start', '--run-dir', dir], { cwd: dir })
  assert.equal(
    [result.code, result.stderr],
    [
      1,
      `xcluster: ${path}: \`apps[0].instnces\` is not a setting; expected one of: script, name, instances, args, nodeArgs, env, restart, timeouts, health, reload, liveView, logs, metrics\n`,
    ],
  )
})

config('a bad value in a supervise() section names the file, the app and the option', async () => {
  const { dir, path } = writeConfig('app.json', JSON.stringify({ script: join(FIXTURES, 'server.cjs'), restart: { maxRestarts: 'ten' } }))
  const result = await runCli(['start', '--config', path, '--run-dir', dir])
  assert.equal(
    [result.code, result.stderr],
    [1, `xcluster: ${path}: Expected \`restart.maxRestarts\` to be an integer from 0 and up, got \`"ten"\` (string)\n`],
  )
})

config('a missing script and a bad instances value are named too', async () => {
  const missing = writeConfig('xcluster.config.json', JSON.stringify({ apps: [{ script: './nowhere.js' }] }))
  const result = await runCli(['start', '--run-dir', missing.dir], { cwd: missing.dir })
  assert.equal(
    [result.code, result.stderr],
    [1, `xcluster: ${missing.path} (apps[0]): The \`script\` file does not exist: ${join(missing.dir, 'nowhere.js')}\n`],
  )
  const bad = writeConfig('xcluster.config.json', JSON.stringify({ script: join(FIXTURES, 'server.cjs'), instances: 0 }))
  const second = await runCli(['start', '--run-dir', bad.dir], { cwd: bad.dir })
  assert.equal(
    [second.code, second.stderr],
    [1, `xcluster: ${bad.path}: \`instances\` must be an integer from 1 and up, or "max", got 0 (number)\n`],
  )
})

config('a TypeScript config with two apps starts both in one master, each behind its own socket', async () => {
  const [portA, portB] = [await findFreePort(), await findFreePort()]
  const { dir } = writeConfig(
    'xcluster.config.ts',
    `const apps: Array<{ script: string; name: string; instances: number; env: Record<string, string> }> = [
      { script: ${JSON.stringify(join(FIXTURES, 'server.cjs'))}, name: 'a', instances: 1, env: { PORT: '${portA}', VERSION: 'a1' } },
      { script: ${JSON.stringify(join(FIXTURES, 'server.mjs'))}, name: 'b', instances: 2, env: { PORT: '${portB}', VERSION: 'b1' } },
    ]
    export default { apps }\n`,
  )
  const master = spawnCli(['start', '--run-dir', dir], { cwd: dir })
  started.push(master)
  await master.onOutput('xcluster: a: 1 worker listening\n')
  await master.onOutput('xcluster: b: 2 workers listening\n')
  assert.match(await get(portA), /^a1 /)
  assert.match(await get(portB), /^b1 /)
  const ambiguous = await runCli(['status', '--run-dir', dir])
  assert.equal([ambiguous.code, ambiguous.stderr], [1, `xcluster status: several apps run in ${dir} (a, b); choose one with --name.\n`])
  assert.match((await runCli(['status', '--name', 'b', '--run-dir', dir])).stdout, /2\/2 workers listening/)
  assert.is((await runCli(['stop', '--name', 'a', '--run-dir', dir])).code, 0)
  // One app stopped; the master serves the other until it stops too.
  assert.match(await get(portB), /^b1 /)
  assert.is((await runCli(['stop', '--name', 'b', '--run-dir', dir])).code, 0)
  assert.equal(await master.exited, { code: 0, signal: null })
})

config('flags given on the command line override the config file; --name picks an app', async () => {
  const port = await findFreePort()
  const { dir, path } = writeConfig(
    'xcluster.config.json',
    JSON.stringify({
      apps: [
        {
          script: join(FIXTURES, 'server.cjs'),
          name: 'web',
          instances: 2,
          env: { PORT: String(port), VERSION: 'c1' },
          restart: { maxRestarts: 3 },
        },
      ],
    }),
  )
  const unknown = await runCli(['start', '--name', 'api', '--run-dir', dir], { cwd: dir })
  assert.equal([unknown.code, unknown.stderr], [1, `xcluster start: ${path} has no app named "api"; its apps are web\n`])
  const master = spawnCli(['start', '--name', 'web', '-i', '1', '-e', 'VERSION=c2', '--run-dir', dir], { cwd: dir })
  started.push(master)
  await master.onOutput('xcluster: web: 1 worker listening\n')
  // -i 1 beat instances: 2; VERSION=c2 went over the file's env, which kept its PORT.
  assert.match(await get(port), /^c2 /)
  assert.match((await runCli(['status', '--run-dir', dir])).stdout, /1\/1 workers listening/)
  assert.is((await runCli(['stop', '--run-dir', dir])).code, 0)
  assert.equal(await master.exited, { code: 0, signal: null })
})

config.run()

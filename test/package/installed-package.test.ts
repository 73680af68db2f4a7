/**
 * The package as a new user gets it: `npm pack` (which builds dist/ itself), the tarball
 * installed into fresh `npm init -y` projects, the README's Quick start (taken from README.md)
 * set up, run and type-checked with `skipLibCheck: false` under nodenext, node16 and bundler
 * resolution by the TypeScript that `npm install typescript` brings and by this repository's, and a
 * CommonJS master and worker that `require()` the package. Installs come from the local npm cache
 * when it has them (`--prefer-offline`). Every child has a deadline; the temporary folder goes.
 */
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { execFile } from 'node:child_process'
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { normalizeOutput, readQuickStart } from '../helpers/readme-quick-start.js'
import { CJS_CHECK_TS, CJS_FILES } from '../fixtures/commonjs-consumer.js'

const REPO = fileURLToPath(new URL('../../', import.meta.url))
const REPO_TSC = join(REPO, 'node_modules/typescript/bin/tsc')
const INSTALL_FLAGS = ['--prefer-offline', '--no-audit', '--no-fund']

interface Run {
  code: number | null
  signal: string | null
  stdout: string
  stderr: string
}

/** The environment of a user's shell: without the variables `npm test` sets for its own package. */
const USER_ENV = Object.fromEntries(
  Object.entries(process.env).filter(([key]) => !/^npm_(package|lifecycle)_|^npm_command$|^INIT_CWD$/.test(key)),
)

/** Runs `command` in `cwd`, SIGKILLed after `limit` ms. */
function run(command: string, args: string[], cwd: string, limit = 120_000): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      command,
      args,
      { cwd, env: USER_ENV, timeout: limit, killSignal: 'SIGKILL', maxBuffer: 64 * 1024 * 1024 },
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

/** Runs a command and fails the test, with everything it printed, unless it exits with 0. */
async function succeed(command: string, args: string[], cwd: string, limit?: number): Promise<Run> {
  const result = await run(command, args, cwd, limit)
  assert.equal([result.code, result.signal], [0, null], `${command} ${args.join(' ')} in ${cwd}:\n${result.stdout}\n${result.stderr}`)
  return result
}

/** `npm install …` as the README writes it, from the local tarball and the npm cache. */
function installArgs(line: string, tarball: string): string[] {
  const words = line.split(/\s+/)
  assert.equal(words.slice(0, 2), ['npm', 'install'], `a README setup line that is not npm: ${line}`)
  return ['install', ...INSTALL_FLAGS, ...words.slice(2).map((word) => (word === 'xcluster' ? tarball : word))]
}

const quickStart = readQuickStart()
const root = mkdtempSync(join(tmpdir(), 'xcluster-package-'))
const app = join(root, 'app')
const cjsApp = join(root, 'cjs-app')
let tarball: string | undefined

const test = suite('the package as installed')

test.after(() => {
  rmSync(root, { recursive: true, force: true })
})

test('npm pack builds dist/ itself and ships the ES module and CommonJS entry points with their declarations', async () => {
  await succeed('npm', ['pack', '--pack-destination', root], REPO, 300_000)
  const name = readdirSync(root).find((file) => file.endsWith('.tgz'))
  assert.ok(name, `npm pack left no tarball in ${root}`)
  tarball = join(root, name)
  const files = (await succeed('tar', ['-tzf', tarball], root)).stdout.split('\n')
  for (const file of [
    'dist/src/index.js',
    'dist/src/index.d.ts',
    'dist/src/worker.js',
    'dist/src/worker.d.ts',
    'dist/src/supervisor/worker-preload.js',
    'dist/cjs/preload/src/supervisor/worker-preload.js',
    'dist/cjs/index.cjs',
    'dist/cjs/worker.cjs',
    'dist/cjs/package.json',
    'dist/cjs/src/index.d.ts',
    'dist/cjs/src/worker.d.ts',
  ]) {
    assert.ok(files.includes(`package/${file}`), `the tarball has no ${file}`)
  }
})

test("the README's Quick start, set up as the README says in a fresh project, prints what the README shows", async () => {
  assert.ok(tarball, 'no tarball: the npm pack test failed')
  mkdirSync(app)
  for (const line of quickStart.setup) {
    if (line.startsWith('npm install')) await succeed('npm', installArgs(line, tarball), app)
    else await succeed('sh', ['-c', line], app)
  }
  for (const [name, text] of quickStart.files) writeFileSync(join(app, name), text)
  const [command, ...args] = quickStart.run.split(/\s+/)
  const result = await run(command!, args, app, 60_000)
  assert.equal([result.code, result.signal], [0, null], `${quickStart.run}:\n${result.stdout}\n${result.stderr}`)
  const lines = result.stdout.trimEnd().split('\n')
  assert.equal(normalizeOutput(lines), normalizeOutput(quickStart.output), result.stdout)
  const greeted = lines
    .map((line) => /^worker \d+: pid \d+ greeted (\d+)$/.exec(line)?.[1])
    .filter(Boolean)
    .map(Number)
  assert.is(
    greeted.reduce((sum, n) => sum + n, 0),
    3,
    result.stdout,
  )
  assert.ok(lines.includes('tickets handed out: 2'), result.stdout)
})

test('the Quick start type-checks with skipLibCheck: false under nodenext, node16 and bundler, with both TypeScript versions', async () => {
  assert.ok(readdirSync(app).includes('node_modules'), 'no project: the Quick start test failed')
  const readme = JSON.parse(quickStart.files.get('tsconfig.json')!) as { compilerOptions: Record<string, unknown> }
  const variants: Record<string, Record<string, unknown>> = {
    nodenext: { ...readme.compilerOptions },
    node16: { ...readme.compilerOptions, module: 'node16', moduleResolution: 'node16' },
    bundler: { ...readme.compilerOptions, module: 'esnext', moduleResolution: 'bundler' },
  }
  // Declarations that were `any` would accept this misuse, and the expect-error would fail.
  writeFileSync(
    join(app, 'misuse.ts'),
    `import { supervise } from 'xcluster'
import { api } from './contract.js'

export async function misuse(): Promise<string> {
  const cluster = supervise({ worker: new URL('./worker.ts', import.meta.url), contract: api, handlers: { log: () => {}, nextTicket: () => 1 } })
  // @ts-expect-error greet takes a string
  await cluster.any.greet(42)
  return cluster.any.greet('Ada')
}
`,
  )
  for (const [variant, compilerOptions] of Object.entries(variants)) {
    writeFileSync(
      join(app, `tsconfig.${variant}.json`),
      JSON.stringify({ compilerOptions: { ...compilerOptions, skipLibCheck: false }, include: ['*.ts'] }),
    )
    for (const tsc of [join(app, 'node_modules/.bin/tsc'), REPO_TSC]) {
      const result = await run(tsc, ['-p', `tsconfig.${variant}.json`], app)
      assert.equal([result.code, result.stdout], [0, ''], `${tsc} -p tsconfig.${variant}.json:\n${result.stdout}${result.stderr}`)
    }
  }
  // Every shipped declaration file, not only those the Quick start reaches: stripInternal drops
  // what is marked @internal, and a declaration left naming one no longer compiles.
  writeFileSync(
    join(app, 'tsconfig.dist.json'),
    JSON.stringify({
      compilerOptions: { ...variants.nodenext, skipLibCheck: false, noEmit: true },
      include: ['node_modules/xcluster/dist/**/*.d.ts'],
    }),
  )
  const all = await run(REPO_TSC, ['-p', 'tsconfig.dist.json'], app)
  assert.equal([all.code, all.stdout], [0, ''], `every dist .d.ts:\n${all.stdout}${all.stderr}`)
})

test('a CommonJS project require()s xcluster and xcluster/worker, and type-checks under module node16', async () => {
  assert.ok(tarball, 'no tarball: the npm pack test failed')
  mkdirSync(cjsApp)
  await succeed('npm', ['init', '-y'], cjsApp)
  await succeed('npm', ['install', ...INSTALL_FLAGS, tarball, 'typescript', '@types/node'], cjsApp)
  for (const [name, text] of Object.entries(CJS_FILES)) writeFileSync(join(cjsApp, name), text)
  const result = await run(process.execPath, ['master.cjs'], cjsApp, 60_000)
  assert.equal([result.code, result.signal], [0, null], `node master.cjs:\n${result.stdout}\n${result.stderr}`)
  assert.is(result.stdout, 'one class either way: true\n1 + 2 = 3\n')

  writeFileSync(join(cjsApp, 'check.ts'), CJS_CHECK_TS)
  writeFileSync(
    join(cjsApp, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        module: 'node16',
        moduleResolution: 'node16',
        target: 'es2022',
        strict: true,
        noEmit: true,
        skipLibCheck: false,
        types: ['node'],
      },
      files: ['check.ts'],
    }),
  )
  for (const tsc of [join(cjsApp, 'node_modules/.bin/tsc'), REPO_TSC]) {
    const check = await run(tsc, ['-p', '.'], cjsApp)
    assert.equal([check.code, check.stdout], [0, ''], `${tsc} in the CommonJS project:\n${check.stdout}${check.stderr}`)
  }
})

test.run()

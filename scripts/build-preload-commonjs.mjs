// Part of `npm run build`, after tsc: a CommonJS copy of the worker preload, under
// dist/cjs/preload/ (dist/cjs/package.json says "commonjs"). Workers of a built xcluster load it
// with `--require` (src/supervisor/fork.ts): a CommonJS server then never starts Node's ES module
// loader, which `--import` of the ES module preload did at every worker start (~10 ms of CPU).
// The preload's modules are few and import only node: built-ins; each emitted .js file of its
// graph is transpiled as it is. Usage: `node scripts/build-preload-commonjs.mjs [distDir]`.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import ts from 'typescript'

const DIST = resolve(process.argv[2] ?? new URL('../dist/', import.meta.url).pathname)
const ENTRY = join(DIST, 'src/supervisor/worker-preload.js')
const OUT = join(DIST, 'cjs/preload')
const RELATIVE_IMPORT = /^(?:import|export)\s[^;]*?from\s+'(\.[^']+)'/gm

const seen = new Set()
const pending = [ENTRY]
while (pending.length > 0) {
  const file = pending.pop()
  if (seen.has(file)) continue
  seen.add(file)
  const code = readFileSync(file, 'utf8')
  for (const [, specifier] of code.matchAll(RELATIVE_IMPORT)) pending.push(resolve(dirname(file), specifier))
  const { outputText } = ts.transpileModule(code, {
    fileName: file,
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
  })
  const target = join(OUT, relative(DIST, file))
  mkdirSync(dirname(target), { recursive: true })
  writeFileSync(target, outputText)
}
mkdirSync(join(DIST, 'cjs'), { recursive: true })
writeFileSync(join(DIST, 'cjs/package.json'), `${JSON.stringify({ type: 'commonjs' }, null, 2)}\n`)

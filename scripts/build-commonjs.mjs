// Part of `npm run build`, after tsc: the `require` side of package.json's `exports`.
//
// xcluster is an ES module, and so is its dependency superjson, so a CommonJS copy of the code
// would still need require(esm) to load superjson: instead, `require('xcluster')` loads the very
// same ES module through Node's require(esm) (Node 20.19+, 22.12+). One copy of the code means
// one copy of each error class, so `instanceof` holds whichever way a program loads xcluster.
//
// The types are another matter: under `"module": "node16"` TypeScript refuses to let a CommonJS
// file import an ES module's declarations (TS1479), even though Node can load it. So the
// declarations are copied under dist/cjs/, whose package.json says "commonjs": there they are
// CommonJS declarations describing the same values.
import { cpSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

const DIST = new URL('../dist/', import.meta.url).pathname
const CJS = join(DIST, 'cjs')
/** The package's entry points: `exports` subpath → the ES module it loads. */
const ENTRIES = { index: '../src/index.js', worker: '../src/worker.js' }
const SPECIFIERS = { index: 'xcluster', worker: 'xcluster/worker' }

/** Copies every .d.ts under `from` to the same relative path under `to`. */
function copyDeclarations(from, to) {
  for (const name of readdirSync(from)) {
    const source = join(from, name)
    if (statSync(source).isDirectory()) copyDeclarations(source, join(to, name))
    else if (name.endsWith('.d.ts')) {
      mkdirSync(to, { recursive: true })
      cpSync(source, join(to, name))
    }
  }
}

mkdirSync(CJS, { recursive: true })
writeFileSync(join(CJS, 'package.json'), `${JSON.stringify({ type: 'commonjs' }, null, 2)}\n`)
for (const folder of ['src', 'machines']) copyDeclarations(join(DIST, folder), join(CJS, folder))
for (const [entry, target] of Object.entries(ENTRIES)) {
  const specifier = SPECIFIERS[entry]
  writeFileSync(
    join(CJS, `${entry}.cjs`),
    `'use strict'
// require('${specifier}'): the ES module itself, through Node's require(esm) (see scripts/build-commonjs.mjs).
try {
  module.exports = require('${target}')
} catch (error) {
  // Node before 20.19 (or 22.0-22.11 without --experimental-require-module) cannot require() an ES module.
  if (error && error.code === 'ERR_REQUIRE_ESM') {
    const refused = new Error(
      "require('${specifier}') needs Node 20.19+ or 22.12+, which can require() an ES module; this is Node " + process.versions.node +
        ": upgrade Node, or load it with \`await import('${specifier}')\`",
      { cause: error },
    )
    refused.code = 'ERR_XCLUSTER_REQUIRE_ESM'
    throw refused
  }
  throw error
}
`,
  )
}

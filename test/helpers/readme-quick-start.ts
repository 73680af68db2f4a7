/**
 * The README's Quick start as data, so that test/package/installed-package.test.ts runs what a
 * new user copies and the two cannot drift apart.
 */
import { readFileSync } from 'node:fs'

/** The code blocks of README.md's "Quick start" section. */
export interface QuickStart {
  /** The shell commands that set up the project (the block with `npm init -y`), comments removed. */
  setup: string[]
  /** The command that runs the master (the block that runs `master.ts`). */
  run: string
  /** Files to write, by name, from blocks whose first line is `// <name>`. */
  files: Map<string, string>
  /** The lines the README says the run prints (the `text` block). */
  output: string[]
}

const README = new URL('../../README.md', import.meta.url)
const FENCE = /^```(\w*)\n([\s\S]*?)^```$/gm
const FILE_HEADER = /^\/\/ ([\w.-]+\.(?:ts|json))\n/

/** Reads README.md's Quick start; throws naming the block that is missing. */
export function readQuickStart(): QuickStart {
  const readme = readFileSync(README, 'utf8')
  const start = readme.indexOf('\n## Quick start\n')
  if (start === -1) throw new Error('README.md has no "## Quick start" section')
  const end = readme.indexOf('\n## ', start + 1)
  const section = readme.slice(start, end === -1 ? undefined : end)
  const blocks = [...section.matchAll(FENCE)].map(([, language, body]) => ({ language: language ?? '', body: body ?? '' }))

  const commands = (body: string) =>
    body
      .split('\n')
      .map((line) => line.replace(/\s+#.*$/, '').trim())
      .filter((line) => line.length > 0)
  const shell = blocks.filter((block) => block.language === 'sh').map((block) => commands(block.body))
  const setup = shell.find((lines) => lines.includes('npm init -y'))
  const run = shell.find((lines) => lines.length === 1 && /\bmaster\.ts$/.test(lines[0]!))?.[0]
  const output = blocks
    .find((block) => block.language === 'text')
    ?.body.trimEnd()
    .split('\n')
  const files = new Map<string, string>()
  for (const block of blocks) {
    const header = FILE_HEADER.exec(block.body)
    if (header) files.set(header[1]!, block.body.slice(header[0].length))
  }
  if (!setup) throw new Error('README.md Quick start: no ```sh block with `npm init -y`')
  if (!run) throw new Error('README.md Quick start: no ```sh block that runs master.ts')
  if (!output) throw new Error('README.md Quick start: no ```text block with the output')
  for (const name of ['contract.ts', 'worker.ts', 'master.ts', 'tsconfig.json']) {
    if (!files.has(name)) throw new Error(`README.md Quick start: no code block starting with \`// ${name}\``)
  }
  return { setup, run, files, output }
}

/**
 * The lines of a run in a form that does not depend on pids, worker ids or ordering between
 * workers: each number becomes `N`, then the lines are sorted.
 */
export function normalizeOutput(lines: readonly string[]): string[] {
  return lines.map((line) => line.replace(/\d+/g, 'N')).sort()
}

import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'

// tsconfig's stripInternal drops every declaration whose comment says @internal. TypeScript
// attaches a file's header comment to the file's first declaration, so a header tagged
// @internal silently strips that declaration, and public .d.ts that name it stop compiling
// for users with skipLibCheck: false (PROTOCOL_TAG, ResolvedOptions, PeerSettings were lost so).
const ROOT = fileURLToPath(new URL('../../', import.meta.url))

const tags = suite('@internal tags')

tags('no shipped source file carries @internal in its header comment', () => {
  const files = execFileSync('git', ['ls-files', 'src/*.ts', 'machines/*.ts', 'cli/*.ts'], { cwd: ROOT, encoding: 'utf8' })
    .split('\n')
    .filter(Boolean)
  assert.ok(files.length > 50, `found the sources (${files.length})`)
  const tagged = files.filter((file) => {
    const text = readFileSync(ROOT + file, 'utf8')
    if (!text.startsWith('/**')) return false
    return text.slice(0, text.indexOf('*/')).includes('@internal')
  })
  assert.equal(tagged, [], 'mark the declarations instead of the file header')
})

tags.run()

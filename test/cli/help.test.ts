import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { createProgram } from '../../cli/program.js'
import { runCli } from './helpers.js'

const help = suite('xcluster --help')

// Options that have no default to show: each says what happens without it instead.
const WITHOUT_DEFAULT = ['--env', '--node-args', '--live-view-token', '--help']

help('every option of every command shows its default, or is one that has none', () => {
  for (const command of createProgram().commands) {
    for (const option of command.options) {
      if (WITHOUT_DEFAULT.includes(option.long!)) continue
      const shown = option.defaultValue !== undefined || /\(default[:\s]/.test(option.description)
      assert.ok(shown, `xcluster ${command.name()} ${option.flags}: its help shows no default`)
    }
  }
})

help('the real bin prints the start options with their defaults', async () => {
  const result = await runCli(['start', '--help'])
  assert.is(result.code, 0, result.stderr)
  const text = result.stdout.replace(/\s+/g, ' ')
  for (const expected of [
    '-i, --instances <n|max> workers to run; max = os.availableParallelism()',
    '(default: "max")',
    '--min-uptime <ms> a worker that dies before it listens or within this time of its fork failed to start (backoff, --max-restarts) (default: 1000)',
    '--max-restarts <n> start failures allowed within --restart-period before the master gives up and exits 1 (default: 5)',
    '--restart-period <ms> window of the start-failure budget (default: 60000)',
    '--max-crashes <n|Infinity> crashes of serving workers (restarted at once) allowed within --crash-period before the master exits 1 (default: Infinity)',
    '--backoff-initial <ms> delay before the first restart of a worker (default: 100)',
    '--drain-timeout <ms> for in-flight calls of a stopping worker (default: 10000)',
    '--disconnect-timeout <ms> for in-flight HTTP requests and the exit after disconnect, before SIGTERM (default: 5000)',
    '--max-rss <bytes> replace a worker whose resident memory exceeds this (default: no limit)',
    '--live-view [port] serve the live view (any free port when none is given) (default: off)',
  ]) {
    assert.ok(text.includes(expected), `--help lacks: ${expected}\n${result.stdout}`)
  }
})

help("an unknown command or a bad flag value exits 1 with commander's message", async () => {
  const bad = await runCli(['start', 'server.js', '-i', 'lots'])
  assert.is(bad.code, 1)
  assert.match(
    bad.stderr,
    /^error: option '-i, --instances <n\|max>' argument 'lots' is invalid\. expected an integer from 1 and up, got "lots"\n/,
  )
})

help.run()

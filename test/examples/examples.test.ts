import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { isAlive, startProgram, waitFor } from '../helpers/processes.js'
import { findFreePort, runExample } from '../helpers/run-example.js'

const examples = suite('examples')

examples('hello-http: two workers share a port and answer hello world', async () => {
  const port = await findFreePort()
  const run = await runExample('hello-http/master.ts', { args: ['--once'], env: { PORT: String(port), WORKERS: '2' } })
  assert.equal([run.code, run.signal], [0, null], run.stderr)
  for (const slot of ['slot-0', 'slot-1']) {
    assert.match(run.stdout, new RegExp(`worker ${slot} pid=\\d+ online -> listening \\(listening on 127\\.0\\.0\\.1:${port}\\)`))
    assert.match(
      run.stdout,
      new RegExp(`worker ${slot} pid=\\d+ disconnecting\\.closing -> exited \\(stop requested: stop\\(\\) called; exited with code 0\\)`),
    )
  }
  assert.match(run.stdout, `listening on http://127.0.0.1:${port} with 2 workers`)
  assert.match(run.stdout, /GET \/ -> 200 hello world from pid \d+/)
  assert.match(run.stdout, /\nstopped\n$/)
})

examples('messaging: master and workers call each other through the contract', async () => {
  const run = await runExample('messaging/master.ts')
  assert.equal([run.code, run.signal], [0, null], run.stderr)
  assert.match(run.stdout, /\[worker log\] worker \d+ has ticket 1\n/)
  assert.match(run.stdout, /\[worker log\] worker \d+ has ticket 2\n/)
  for (const name of ['Ada', 'Grace', 'Linus']) {
    assert.match(run.stdout, new RegExp(`hello ${name}, from worker \\d+\\n`))
    assert.match(run.stdout, new RegExp(`\\[event\\] worker \\d+ greeted \\{"pid":\\d+,"name":"${name}"\\}`))
  }
  const greeted = [...run.stdout.matchAll(/worker \d+: pid \d+ greeted (\d+)/g)].map((m) => Number(m[1]))
  assert.is(greeted.length, 2)
  assert.is(greeted[0]! + greeted[1]!, 3)
  assert.match(run.stdout, 'tickets handed out: 2')
})

examples('calculator: 10,000 calls spread over 4 workers with any()', async () => {
  const run = await runExample('calculator/master.ts')
  assert.equal([run.code, run.signal], [0, null], run.stderr)
  assert.match(run.stdout, '10000 calls answered, sum 99990000 (correct)')
  const answered = [...run.stdout.matchAll(/worker \d+ answered (\d+)/g)].map((m) => Number(m[1]))
  assert.is(answered.length, 4)
  assert.is(
    answered.reduce((a, b) => a + b, 0),
    10_000,
  )
  assert.ok(
    answered.every((n) => n > 0),
    `every worker took calls: ${answered}`,
  )
  assert.match(run.stdout, /\d+ calls\/s over 4 workers/)
})

examples('rolling-reload: v1 -> v2 under load with no failed request', async () => {
  const port = await findFreePort()
  const run = await runExample('rolling-reload/master.ts', { env: { PORT: String(port) } })
  assert.equal([run.code, run.signal], [0, null], run.stderr)
  const served = run.stdout.match(/requests served: (\d+) \(v1: (\d+), v2: (\d+)\)/)
  assert.ok(served, run.stdout)
  assert.ok(Number(served![2]) > 0 && Number(served![3]) > 0, 'both versions served requests')
  assert.match(run.stdout, '\nrequests failed: 0\n')
  assert.match(run.stdout, `\nrequests sent: ${served![1]}\n`)
  assert.match(run.stdout, '\nnow serving: v2\n')
  for (const slot of ['slot-0', 'slot-1', 'slot-2', 'slot-3']) {
    assert.match(run.stdout, new RegExp(`${slot} pid \\d+ exited: stop requested: replaced by worker-2; exited with code 0`))
  }
})

examples('actors: orders as cluster actors survive a SIGKILL of their worker, and a final state removes them', async () => {
  const run = await runExample('actors/master.ts')
  assert.equal([run.code, run.signal], [0, null], run.stderr)
  const lines = run.stdout.trimEnd().split('\n')
  const victim = run.stdout.match(/SIGKILLed worker (\d+), which hosted order-2/)
  assert.ok(victim, run.stdout)
  const restored = run.stdout.match(/order-2 restored on worker (\d+) \(not (\d+)\) with its 2 items/)
  assert.ok(restored && restored[1] !== restored[2] && restored[2] === victim[1], run.stdout)
  assert.equal(
    lines.filter((line) => !/SIGKILLed|restored on/.test(line)),
    [
      'order-1: awaitingPayment, 2 items, total 15',
      'order-2: awaitingPayment, 2 items, total 15',
      'order-3: awaitingPayment, 2 items, total 15',
      'order-1: paid 15',
      'order-2: paid 15',
      'order-3: paid 15',
      '[master] told ada that order-1 shipped',
      'order-1: shipped',
      '[master] told grace that order-2 shipped',
      'order-2: shipped',
      '[master] told linus that order-3 shipped',
      'order-3: shipped',
      'orders left in the cluster: 0; customers told: 3',
    ],
  )
})

examples('demo (npm start): serves, shows the live view, survives a kill -9 and stops on Ctrl-C', async () => {
  const [port, dashboardPort] = [await findFreePort(), await findFreePort()]
  const demo = await startProgram('examples/demo/master.ts', {
    env: { PORT: String(port), DASHBOARD_PORT: String(dashboardPort), WORKERS: '2', STATS_INTERVAL: '300' },
  })
  try {
    await waitFor(() => demo.stdout.includes('Ctrl-C stops the cluster gracefully.'), 'the demo is ready', 30_000)
    assert.match(await (await fetch(`http://127.0.0.1:${port}/`)).text(), /^hello from worker \d+\n$/)
    const page = await fetch(`http://127.0.0.1:${dashboardPort}/`)
    assert.is(page.status, 200)
    assert.match(await page.text(), 'xcluster live view')
    await waitFor(() => /stats {2}\d+: \d+ req, \d+ MiB \| \d+: \d+ req/.test(demo.stdout), 'a stats line over RPC')
    const victim = Number(demo.stdout.match(/workers: {3}(\d+), \d+/)![1])
    process.kill(victim, 'SIGKILL')
    await waitFor(() => new RegExp(`pid ${victim}: .*-> exited`).test(demo.stdout), 'the kill is seen')
    await waitFor(() => (demo.stdout.match(/-> listening/g) ?? []).length >= 3, 'a replacement listens', 30_000)
    demo.child.kill('SIGINT')
    assert.equal(await demo.exited, [0, null], demo.stderr)
    assert.match(demo.stdout, /cluster stopped: stop requested: SIGINT received by the master\n$/)
    assert.not.ok(isAlive(victim))
  } finally {
    demo.kill()
  }
})

examples.run()

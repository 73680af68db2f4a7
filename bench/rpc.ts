/**
 * Round trips between a parent and a forked child, in one run: raw `process.send` (json), raw with
 * `serialization: 'advanced'`, birpc over process.send (as is, and with superjson, the typed-RPC
 * peer a user would pick), and xcluster RPC; each sequential (one call at a time) and
 * pipelined (64 and 1,024 in flight); each with three payloads (`add(a, b)`, a ~10 KB object, an
 * object of Dates and Maps; see fixtures/rpc-payloads.ts).
 *
 * Run: `npm run bench -- rpc` (all topics: `npm run bench`); filter cases by name:
 * `npm run bench -- rpc sequential`. `BENCH_ROUNDS` (default 5) and `BENCH_MAX_TIME` (seconds per
 * case per round, default 0.6) tune it. Rounds run the cases in rotated orders, so no case always
 * follows the same one: a child that sat idle during the case before answers its first calls
 * slower, and a fixed order hands that cost to the same case every round.
 */
import { createBirpc } from 'birpc'
import superjson from 'superjson'
import { fork, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import os from 'node:os'
import { fileURLToPath } from 'node:url'
import { connectIpcPeer } from '../src/transport/ipc.js'
import type { RpcPeer } from '../src/rpc/peer.js'
import { fixturePath, format, isSelected, printTable, runInRounds, summarize, type RoundCase } from './fixtures/cluster-report.js'
import { canReadProcessCpu, processCpuMicros } from './fixtures/process-cpu.js'
import { payloads, type RpcClient } from './fixtures/rpc-payloads.js'
import type { BirpcWorkerFunctions } from './fixtures/rpc-birpc-worker.js'

interface Client extends RpcClient {
  name: string
  /** False over raw json: Dates and Maps do not survive it. */
  keepsTypes: boolean
  child: ChildProcess
}

const RAW_JSON = 'raw process.send (json)'
const RAW_ADVANCED = 'raw process.send (advanced)'
const BIRPC = 'birpc'
const BIRPC_SUPERJSON = 'birpc + superjson'
const XCLUSTER = 'xcluster rpc'

async function startRaw(serialization: 'json' | 'advanced'): Promise<Client> {
  const child = fork(fixturePath('rpc-raw-worker.ts'), { execArgv: ['--import', 'tsx'], serialization })
  await once(child, 'spawn')
  const waiting = new Map<number, (value: any) => void>()
  let nextId = 0
  child.on('message', (message: { id: number; r: unknown }) => {
    const resolve = waiting.get(message.id)
    waiting.delete(message.id)
    resolve?.(message.r)
  })
  const request = (message: object): Promise<any> =>
    new Promise((resolve) => {
      const id = nextId++
      waiting.set(id, resolve)
      child.send({ id, ...message })
    })
  return {
    name: serialization === 'json' ? RAW_JSON : RAW_ADVANCED,
    keepsTypes: serialization === 'advanced',
    child,
    add: (a, b) => request({ a, b }),
    echo: (v) => request({ v }),
  }
}

/** birpc over process.send; `withSuperjson` as birpc's README suggests for Dates, Maps and the like. */
async function startBirpc(withSuperjson: boolean): Promise<Client> {
  const child = fork(fixturePath('rpc-birpc-worker.ts'), {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, BIRPC_SUPERJSON: withSuperjson ? '1' : '0' },
  })
  await once(child, 'spawn')
  const rpc = createBirpc<BirpcWorkerFunctions>(
    {},
    {
      post: (data) => child.send(data),
      on: (fn) => child.on('message', fn),
      ...(withSuperjson ? { serialize: (value) => superjson.stringify(value), deserialize: (text) => superjson.parse(text) } : {}),
    },
  )
  // The child's listener is attached once its module has run: the first call that answers says so.
  for (;;) {
    const answered = await Promise.race([rpc.add(1, 2), new Promise((resolve) => setTimeout(resolve, 100))])
    if (answered === 3) break
  }
  return {
    name: withSuperjson ? BIRPC_SUPERJSON : BIRPC,
    keepsTypes: withSuperjson,
    child,
    add: (a, b) => rpc.add(a, b),
    echo: (value) => rpc.echo(value),
  }
}

async function startRpc(): Promise<Client> {
  const child = fork(fixturePath('rpc-worker.ts'), { execArgv: ['--import', 'tsx'] })
  let peer!: RpcPeer
  const isReady = new Promise<void>((resolve) => {
    peer = connectIpcPeer(child, { label: 'the bench worker', internal: { $ready: () => resolve() } }).peer
  })
  await isReady
  return {
    name: XCLUSTER,
    keepsTypes: true,
    child,
    add: (a, b) => peer.call('add', [a, b]) as Promise<number>,
    echo: (value) => peer.call('echo', [value]),
  }
}

// Sequential round trips on a 2-core VM swing by a third from one second to the next (the two
// processes wake each other every call): more, shorter rounds give the median something to hold.
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5)
const MAX_TIME = Number(process.env.BENCH_MAX_TIME ?? 0.6) // s per case per round
const MODES = [
  { name: 'sequential', inFlight: 1 },
  { name: 'pipelined 64', inFlight: 64 },
  { name: 'pipelined 1024', inFlight: 1024 },
] as const

/** Runs the suite; `filters` keep the cases whose name contains one of them. */
export async function run(filters: readonly string[] = []): Promise<void> {
  const clients = [await startRaw('json'), await startRaw('advanced'), await startBirpc(false), await startBirpc(true), await startRpc()]
  try {
    // Warm up every path (JIT, tsx) before measuring.
    for (const client of clients) for (const payload of payloads) for (let i = 0; i < 500; i++) await payload.call(client, i)

    let answered = 0
    let expected = 0
    const cases: (RoundCase & { inFlight: number })[] = []
    for (const mode of MODES) {
      for (const payload of payloads) {
        for (const client of clients) {
          const name = `${mode.name}, ${payload.name}: ${client.name}`
          if (!isSelected(name, filters)) continue
          cases.push({
            name,
            inFlight: mode.inFlight,
            defer: true,
            fn(deferred) {
              expected += mode.inFlight
              const calls: Promise<unknown>[] = []
              for (let i = 0; i < mode.inFlight; i++) calls.push(payload.call(client, i))
              void Promise.all(calls).then((results) => {
                for (let i = 0; i < mode.inFlight; i++) if (payload.check(results[i], i, client.keepsTypes)) answered++
                deferred.resolve()
              })
            },
          })
        }
      }
    }
    if (cases.length > 0) await runCases(cases, () => answered === expected || `${answered} of ${expected}`)
    if (isSelected('sequential, paired', filters)) await runPaired(clients)
    if (isSelected('sequential, cpu', filters)) await runCpuPerCall(clients)
  } finally {
    for (const client of clients) client.child.kill()
  }
}

/** Runs the benchmark.js cases and prints their table; `check()` says whether every call was answered right. */
async function runCases(cases: readonly (RoundCase & { inFlight: number })[], check: () => true | string): Promise<void> {
  const summaries = await runInRounds(cases, ROUNDS, MAX_TIME)
  const outcome = check()
  if (outcome !== true) throw new Error(`Sanity check failed: ${outcome} calls returned the right answer`)

  const callsPerSecond = (name: string): number => {
    const found = cases.find((c) => c.name === name)
    return found ? summaries.get(name)!.median * found.inFlight : Number.NaN
  }
  const rows = cases.map((c) => {
    const summary = summaries.get(c.name)!
    const rate = summary.median * c.inFlight
    const group = c.name.slice(0, c.name.lastIndexOf(': '))
    const ratio = (baseline: string) => `${format(rate / callsPerSecond(`${group}: ${baseline}`), 2)}x`
    return [
      c.name,
      `${format(rate)} calls/s`,
      `${format(1e6 / rate, 2)} µs`,
      `${format(summary.min * c.inFlight)}–${format(summary.max * c.inFlight)}`,
      ratio(RAW_JSON),
      ratio(RAW_ADVANCED),
      ratio(BIRPC),
      ratio(BIRPC_SUPERJSON),
    ]
  })
  printTable(
    `rpc: round trips, median of ${ROUNDS} rounds in rotated order — Node ${process.version}, ${process.platform}/${process.arch}, ` +
      `${os.cpus().length} CPUs, load average ${os
        .loadavg()
        .map((load) => load.toFixed(1))
        .join(' ')}`,
    ['case', 'median', 'per call', 'min–max calls/s', 'vs raw json', 'vs raw advanced', 'vs birpc', 'vs birpc + superjson'],
    rows,
  )
}

/**
 * Runs `measure` for each client `blocks` times, the clients' order reversed every other block;
 * `addAll()` makes `calls` sequential `add(a, b)` calls to that client. Throws unless every call
 * returned the right sum.
 */
async function inAlternatingBlocks(
  clients: readonly Client[],
  blocks: number,
  calls: number,
  measure: (client: Client, addAll: () => Promise<void>) => Promise<void>,
): Promise<void> {
  let answered = 0
  for (let block = 0; block < blocks; block++) {
    for (const client of block % 2 === 0 ? clients : [...clients].reverse()) {
      await measure(client, async () => {
        for (let i = 0; i < calls; i++) if ((await client.add(i, 2)) === i + 2) answered++
      })
    }
  }
  const expected = blocks * calls * clients.length
  if (answered !== expected) throw new Error(`Sanity check failed: ${answered} of ${expected} calls returned the right sum`)
}

const PAIRED_BLOCKS = 40
const PAIRED_CALLS = 1000

/**
 * Sequential `add(a, b)` latency measured in pairs: blocks of calls to xcluster and to each raw
 * baseline alternate, each pair in the other order. benchmark.js runs each case for a while, and
 * on this VM a process that has been idle for a while answers slower for tens of milliseconds;
 * pairs of short blocks give every client that cost equally. The ratios are the median of each
 * block's ratio to the same block of the baseline, not a ratio of medians: the blocks of one
 * client are bimodal here (some ~20 µs, some ~60 µs, as the VM wakes the processes fast or slow),
 * and a ratio of two medians could compare a fast-mode median with a slow-mode one.
 */
async function runPaired(clients: readonly Client[]): Promise<void> {
  const latencies = new Map<Client, number[]>(clients.map((client) => [client, []]))
  await inAlternatingBlocks(clients, PAIRED_BLOCKS, PAIRED_CALLS, async (client, addAll) => {
    const started = performance.now()
    await addAll()
    latencies.get(client)!.push(((performance.now() - started) * 1000) / PAIRED_CALLS)
  })
  const blocksOf = (name: string) => latencies.get(clients.find((client) => client.name === name)!)!
  const pairedRatio = (client: Client, baseline: string): number => {
    const mine = latencies.get(client)!
    const theirs = blocksOf(baseline)
    return summarize(mine.map((latency, block) => latency / theirs[block]!)).median
  }
  printTable(
    `rpc: sequential add(a, b) latency in ${PAIRED_BLOCKS} alternating blocks of ${format(PAIRED_CALLS)} calls per client; ratios: median of the blocks' ratios`,
    ['client', 'median latency', 'min–max block', 'latency vs raw json', 'latency vs raw advanced', 'vs birpc', 'vs birpc + superjson'],
    clients.map((client) => {
      const summary = summarize(latencies.get(client)!)
      return [
        client.name,
        `${format(summary.median, 1)} µs`,
        `${format(summary.min, 1)}–${format(summary.max, 1)} µs`,
        `${format(pairedRatio(client, RAW_JSON), 2)}x`,
        `${format(pairedRatio(client, RAW_ADVANCED), 2)}x`,
        `${format(pairedRatio(client, BIRPC), 2)}x`,
        `${format(pairedRatio(client, BIRPC_SUPERJSON), 2)}x`,
      ]
    }),
  )
}

const CPU_BLOCKS = 6
const CPU_CALLS = 5000

/**
 * CPU time per sequential `add(a, b)`, in the parent and in the child, summed over alternating
 * blocks: what each round trip costs the two processes, which unlike wall time does not depend
 * on how fast this VM wakes a sleeping process.
 */
async function runCpuPerCall(clients: readonly Client[]): Promise<void> {
  if (!canReadProcessCpu) {
    console.log('\nrpc: CPU per call skipped (it reads the child’s CPU time from Linux /proc)')
    return
  }
  const totals = new Map<Client, { parent: number; child: number }>(clients.map((client) => [client, { parent: 0, child: 0 }]))
  await inAlternatingBlocks(clients, CPU_BLOCKS, CPU_CALLS, async (client, addAll) => {
    const parentBefore = process.cpuUsage()
    const childBefore = processCpuMicros(client.child.pid!)
    await addAll()
    const parent = process.cpuUsage(parentBefore)
    const total = totals.get(client)!
    total.parent += parent.user + parent.system
    total.child += processCpuMicros(client.child.pid!) - childBefore
  })
  const calls = CPU_BLOCKS * CPU_CALLS
  const perCall = (client: Client) => (totals.get(client)!.parent + totals.get(client)!.child) / calls
  const baseline = (name: string) => perCall(clients.find((client) => client.name === name)!)
  printTable(
    `rpc: CPU per sequential add(a, b), parent + child (user + system; ${CPU_BLOCKS} alternating blocks of ${format(CPU_CALLS)} calls per client)`,
    ['client', 'parent', 'child', 'both', 'vs raw json', 'vs raw advanced', 'vs birpc', 'vs birpc + superjson'],
    clients.map((client) => {
      const total = totals.get(client)!
      return [
        client.name,
        `${format(total.parent / calls, 1)} µs`,
        `${format(total.child / calls, 1)} µs`,
        `${format(perCall(client), 1)} µs`,
        `${format(perCall(client) / baseline(RAW_JSON), 2)}x`,
        `${format(perCall(client) / baseline(RAW_ADVANCED), 2)}x`,
        `${format(perCall(client) / baseline(BIRPC), 2)}x`,
        `${format(perCall(client) / baseline(BIRPC_SUPERJSON), 2)}x`,
      ]
    }),
  )
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await run(process.argv.slice(2))

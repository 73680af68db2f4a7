/**
 * The live view's cost in the master with 10,000 worker actors, in one `--expose-gc` run, with the
 * actor relay alone (no view: what a cluster with actors pays anyway) as the baseline:
 * - heapUsed per actor after each of 10,000 actors had 12 reports (its history full);
 * - µs per relayed report (relay → view's state table), 120,000 reports;
 * - the event stream while 10,000 reports/s arrive (100 every 10 ms for 3 s): bytes/s and batches/s;
 * - `/actors.json` of the last 40 lines, and the `init` message's size, with 10,000 actors held.
 * No cluster and no IPC: the relay is fed the reports a worker would send (the part of the master
 * the view adds is the same either way).
 *
 * Run: `node --expose-gc --import tsx bench/live-view.ts` (not part of `npm run bench`).
 */
import { request } from 'node:http'
import type { AnyActorRef, AnyMachineSnapshot, InspectionEvent } from 'xstate'
import { setup } from 'xstate'
import { workerMachine } from '../machines/worker/worker.js'
import { InspectionRelay } from '../src/actors/inspection-relay.js'
import { createLiveView } from '../src/inspect/live-view.js'
import { format, printTable, summarize } from './fixtures/cluster-report.js'

const ACTORS = 10_000
const REPORTS_PER_ACTOR = 12
const gc = (globalThis as { gc?: () => void }).gc
if (!gc) throw new Error('bench/live-view.ts needs node --expose-gc')

const light = setup({ types: { events: {} as { type: 'NEXT'; by: string } } }).createMachine({
  id: 'light',
  initial: 'green',
  states: { green: { on: { NEXT: 'yellow' } }, yellow: { on: { NEXT: 'red' } }, red: { on: { NEXT: 'green' } } },
})
const STATES = ['green', 'yellow', 'red'] as const
const snapshots = STATES.map((value) => light.resolveState({ value, context: {} }) as AnyMachineSnapshot)

/** A relay as the master builds it, fed to `observe`, with worker #1 (and its supervisor) known to it. */
function createFedRelay(observe: (event: InspectionEvent) => void): InspectionRelay {
  const supervisor = { sessionId: 'sup', id: 'supervisor', logic: setup({}).createMachine({ id: 'supervisor' }), _parent: undefined }
  const worker = { sessionId: 'w1', id: 'worker-1', logic: workerMachine, _parent: supervisor } as unknown as AnyActorRef
  const relay = new InspectionRelay(observe, (_kind, persisted) => persisted as AnyMachineSnapshot)
  const snapshot = { value: 'listening', status: 'active', context: { workerId: 1, pid: 4242, slotId: 'slot-0' } }
  observe({
    type: '@xstate.snapshot',
    actorRef: supervisor,
    rootId: 'sup',
    snapshot: { value: 'running', status: 'active', context: {} },
  } as never)
  const event = { type: '@xstate.snapshot', actorRef: worker, rootId: 'sup', snapshot } as unknown as InspectionEvent
  observe(event)
  relay.observeSupervisor(event)
  return relay
}

function feed(relay: InspectionRelay, from: number, count: number, round: number): void {
  for (let i = from; i < from + count; i++)
    relay.report('light', `light-${i % ACTORS}`, 1, light, snapshots[(i + round) % 3], { type: 'NEXT', by: `round ${round}` } as {
      type: string
    })
}

function heapMiB(): number {
  gc!()
  return process.memoryUsage().heapUsed / 2 ** 20
}

async function measure(
  withView: boolean,
): Promise<{ heapPerActor: number; usPerReport: number; view?: Awaited<ReturnType<typeof createLiveView>> }> {
  const view = withView ? await createLiveView({ workerMachine }) : undefined
  const relay = createFedRelay(view ? view.observer : () => {})
  const before = heapMiB()
  const started = performance.now()
  for (let round = 0; round < REPORTS_PER_ACTOR; round++) feed(relay, 0, ACTORS, round)
  const usPerReport = ((performance.now() - started) * 1000) / (ACTORS * REPORTS_PER_ACTOR)
  const heapPerActor = ((heapMiB() - before) * 2 ** 20) / ACTORS
  return { heapPerActor, usPerReport, view }
}

function get(url: string): Promise<{ body: string; ms: number }> {
  const started = performance.now()
  return new Promise((resolve, reject) => {
    request(url, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => (body += chunk))
      res.on('end', () => resolve({ body, ms: performance.now() - started }))
    })
      .on('error', reject)
      .end()
  })
}

/** Bytes and batches on /events while 10,000 reports/s arrive for 3 s, and the init message's size. */
async function streamWhileFed(
  url: string,
  relay: InspectionRelay,
): Promise<{ bytesPerSecond: number; batchesPerSecond: number; initBytes: number }> {
  let bytes = 0
  let batches = 0
  let initBytes = 0
  let isCounting = false
  const req = request(new URL('events', url), (res) => {
    res.setEncoding('utf8')
    res.on('data', (chunk: string) => {
      if (!initBytes && chunk.includes('event: init')) initBytes = Buffer.byteLength(chunk)
      if (!isCounting) return
      bytes += Buffer.byteLength(chunk)
      batches += chunk.split('event: batch').length - 1
    })
  })
  req.on('error', () => {})
  req.end()
  await new Promise((resolve) => setTimeout(resolve, 300))
  isCounting = true
  const started = performance.now()
  for (let tick = 0; tick < 300; tick++) {
    feed(relay, tick * 100, 100, REPORTS_PER_ACTOR + tick)
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
  const seconds = (performance.now() - started) / 1000
  await new Promise((resolve) => setTimeout(resolve, 300))
  req.destroy()
  return { bytesPerSecond: bytes / seconds, batchesPerSecond: batches / seconds, initBytes }
}

export async function run(): Promise<void> {
  // Alternate the two, 3 times each; medians.
  const base: number[][] = []
  const viewed: number[][] = []
  let last: Awaited<ReturnType<typeof measure>> | undefined
  for (let round = 0; round < 3; round++) {
    const a = await measure(false)
    base.push([a.heapPerActor, a.usPerReport])
    await last?.view?.close()
    last = await measure(true)
    viewed.push([last.heapPerActor, last.usPerReport])
  }
  const view = last!.view!
  const page = JSON.parse((await get(`${view.url}actors.json?offset=${ACTORS - 39}&limit=40`)).body) as {
    matching: number
    items: unknown[]
  }
  if (page.matching !== ACTORS || page.items.length === 0) throw new Error(`the view holds ${page.matching} actors, not ${ACTORS}`)
  const windows = summarize(
    await Promise.all(Array.from({ length: 30 }, () => get(`${view.url}actors.json?offset=${ACTORS - 39}&limit=40`).then((r) => r.ms))),
  )
  const relay = createFedRelay(view.observer)
  const stream = await streamWhileFed(view.url, relay)
  await view.close()
  const med = (rows: number[][], i: number): number => summarize(rows.map((r) => r[i]!)).median
  printTable(
    `live view with ${format(ACTORS)} worker actors (${process.version}, master heap via --expose-gc, medians of 3)`,
    ['case', 'heap per actor', 'µs per report', 'ratio'],
    [
      ['relay alone (baseline)', `${format(med(base, 0))} B`, format(med(base, 1), 2), '1.00'],
      ['relay + live view', `${format(med(viewed, 0))} B`, format(med(viewed, 1), 2), (med(viewed, 1) / med(base, 1)).toFixed(2)],
    ],
  )
  printTable(
    'live view stream and requests, 10,000 actors held',
    ['what', 'figure'],
    [
      [
        'event stream while 10,000 reports/s arrive',
        `${format(stream.bytesPerSecond)} B/s, ${stream.batchesPerSecond.toFixed(1)} batches/s`,
      ],
      ['init message', `${format(stream.initBytes)} B`],
      ['/actors.json, last 40 lines (median of 30)', `${windows.median.toFixed(1)} ms`],
    ],
  )
}

if (import.meta.url === `file://${process.argv[1]}`) await run()

import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { FIRST_PACKET_FRAMES, MAX_PACKET_BYTES, MAX_PACKET_FRAMES, Outbox, UNCOPIED_FROM_BYTES } from '../../src/rpc/outbox.js'
import type { Frame, Packet } from '../../src/rpc/protocol.js'

const endOfTick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve))

function createOutbox(send?: (packet: Packet) => void) {
  const packets: Packet[] = []
  const refused: { frames: Frame[]; error: unknown }[] = []
  const outbox = new Outbox(
    (message) => {
      packets.push(message as Packet)
      send?.(message as Packet)
    },
    (frames, error) => refused.push({ frames, error }),
  )
  return { outbox, packets, refused }
}

const outbox = suite('outbox')

outbox('sends the first frame of a tick at once and the rest of the tick as one packet at its end', async () => {
  const { outbox, packets } = createOutbox()
  outbox.enqueue(['n', 'a', []], 2)
  assert.equal(packets, [{ __xcluster: 2, f: [['n', 'a', []]] }])
  outbox.enqueue(['n', 'b', []], 2)
  outbox.enqueue(['c', 7], 16)
  assert.is(packets.length, 1)
  await endOfTick()
  assert.equal(packets, [
    { __xcluster: 2, f: [['n', 'a', []]] },
    {
      __xcluster: 2,
      f: [
        ['n', 'b', []],
        ['c', 7],
      ],
    },
  ])
  outbox.enqueue(['n', 'next tick', []], 2)
  assert.is(packets.length, 3)
})

outbox('sends an uncopied frame at once, after the frames queued before it, and says from what size one may be uncopied', async () => {
  const { outbox, packets } = createOutbox()
  assert.is(outbox.uncopiedFrom, 0)
  outbox.enqueue(['n', 'first', []], 2)
  assert.is(outbox.uncopiedFrom, UNCOPIED_FROM_BYTES)
  outbox.enqueue(['n', 'queued', []], 2)
  outbox.enqueue(['n', 'big', [{}]], UNCOPIED_FROM_BYTES, true)
  assert.equal(
    packets.map((packet) => packet.f.map((frame) => frame[1])),
    [['first'], ['queued'], ['big']],
  )
  outbox.enqueue(['n', 'after', []], 2)
  await endOfTick()
  assert.equal(
    packets.map((packet) => packet.f.map((frame) => frame[1])),
    [['first'], ['queued'], ['big'], ['after']],
  )
  assert.is(outbox.uncopiedFrom, 0)
})

outbox('sends the queued frames before the end of the tick once they pass MAX_PACKET_BYTES', async () => {
  const { outbox, packets } = createOutbox()
  outbox.enqueue(['n', 'first', []], 1)
  outbox.enqueue(['n', 'half', []], MAX_PACKET_BYTES / 2)
  outbox.enqueue(['n', 'almost', []], MAX_PACKET_BYTES / 2 - 1)
  assert.is(packets.length, 1)
  outbox.enqueue(['n', 'full', []], 1)
  assert.equal(
    packets.map((packet) => packet.f.map((frame) => frame[1])),
    [['first'], ['half', 'almost', 'full']],
  )
  outbox.enqueue(['n', 'after', []], 1)
  await endOfTick()
  assert.equal(
    packets.map((packet) => packet.f.map((frame) => frame[1])),
    [['first'], ['half', 'almost', 'full'], ['after']],
  )
})

outbox('sends small frames of a tick in packets of FIRST_PACKET_FRAMES, then twice as many each, up to MAX_PACKET_FRAMES', async () => {
  const { outbox, packets } = createOutbox()
  const total = 1 + 8 + 16 + 32 + 64 + 128 + 256 + 256 + 5
  for (let at = 0; at < total; at++) outbox.enqueue(['c', at], 16)
  assert.is(FIRST_PACKET_FRAMES, 8)
  assert.is(MAX_PACKET_FRAMES, 256)
  // The last five wait for the end of the tick.
  assert.equal(
    packets.map((packet) => packet.f.length),
    [1, 8, 16, 32, 64, 128, 256, 256],
  )
  await endOfTick()
  assert.equal(
    packets.map((packet) => packet.f.length),
    [1, 8, 16, 32, 64, 128, 256, 256, 5],
  )
  assert.equal(
    packets.flatMap((packet) => packet.f.map((frame) => frame[1])),
    Array.from({ length: total }, (_, at) => at),
  )
  // A new tick starts small again.
  for (let at = 0; at < 10; at++) outbox.enqueue(['c', at], 16)
  assert.equal(
    packets.slice(9).map((packet) => packet.f.length),
    [1, 8],
  )
})

outbox('holds even the first frame between hold() and release(), then sends the frames as one packet', async () => {
  const { outbox, packets } = createOutbox()
  outbox.hold()
  assert.is(outbox.uncopiedFrom, UNCOPIED_FROM_BYTES)
  outbox.enqueue(['r', 1, 2], 8)
  outbox.enqueue(['r', 2, 3], 8)
  assert.equal(packets, [])
  // An uncopied frame still goes at once, after the frames held before it.
  outbox.enqueue(['r', 3, { big: true }], UNCOPIED_FROM_BYTES, true)
  outbox.enqueue(['r', 4, 5], 8)
  outbox.release()
  assert.equal(
    packets.map((packet) => packet.f.map((frame) => frame[1])),
    [[1, 2], [3], [4]],
  )
  // After release, the tick's next frame is the first of its tick again: sent at once.
  outbox.enqueue(['r', 5, 6], 8)
  assert.equal(packets.length, 4)
})

outbox('starts the packets after a held burst small again', async () => {
  const { outbox, packets } = createOutbox()
  outbox.hold()
  for (let at = 0; at < 8 + 16 + 32; at++) outbox.enqueue(['c', at], 16)
  outbox.release()
  assert.equal(
    packets.map((packet) => packet.f.length),
    [8, 16, 32],
  )
  await endOfTick()
  for (let at = 0; at < 1 + 8 + 3; at++) outbox.enqueue(['c', at], 16)
  assert.equal(
    packets.slice(3).map((packet) => packet.f.length),
    [1, 8],
  )
})

outbox('hands the frames of a packet the transport refused to onRefused, with what it threw', async () => {
  const refusal = new Error('channel closed')
  const { outbox, refused } = createOutbox(() => {
    throw refusal
  })
  outbox.enqueue(['q', 1, 'a', []], 2)
  outbox.enqueue(['q', 2, 'b', []], 2)
  await endOfTick()
  assert.equal(refused, [
    { frames: [['q', 1, 'a', []]], error: refusal },
    { frames: [['q', 2, 'b', []]], error: refusal },
  ])
})

outbox('drops the queued frames on close and sends nothing after', async () => {
  const { outbox, packets } = createOutbox()
  outbox.enqueue(['n', 'a', []], 2)
  outbox.enqueue(['n', 'queued', []], 2)
  outbox.close()
  outbox.enqueue(['n', 'late', []], 2)
  await endOfTick()
  assert.equal(packets, [{ __xcluster: 2, f: [['n', 'a', []]] }])
})

outbox.run()

import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { MAX_PACKET_BYTES, Outbox, UNCOPIED_FROM_BYTES } from '../../src/rpc/outbox.js'
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

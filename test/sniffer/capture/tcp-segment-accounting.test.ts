/** Regression: every DNS-over-TCP segment is accounted for when it arrives, none passes silently. */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { TcpDnsFlows, type TcpSegmentOutcome } from '../../../sniffer/capture/tcp-dns-flows.js'

function setup () {
  const outcomes: Array<TcpSegmentOutcome | 'message' | string> = []
  const flows = new TcpDnsFlows({
    onMessage: () => outcomes.push('message'),
    onDrop: (reason) => outcomes.push(reason),
    onSegment: (o) => outcomes.push(o)
  })
  return { flows, outcomes }
}
const none = { syn: false, fin: false, rst: false }
const msg = (n: number): Buffer => { const b = Buffer.alloc(2 + n, 7); b.writeUInt16BE(n, 0); return b }

test('a segment holding the start of a message is counted as tcp-partial, the one completing it as the message', () => {
  const { flows, outcomes } = setup()
  const m = msg(40)
  flows.segment('10.0.0.1', 40000, 1000, none, m.subarray(0, 10), 0)
  flows.segment('10.0.0.1', 40000, 1010, none, m.subarray(10), 1)
  assert.deepEqual(outcomes, ['tcp-partial', 'message'])
})

test('control segments and already-seen copies are counted too', () => {
  const { flows, outcomes } = setup()
  flows.segment('10.0.0.1', 40000, 999, { syn: true, fin: false, rst: false }, Buffer.alloc(0), 0)
  const m = msg(20)
  flows.segment('10.0.0.1', 40000, 1000, none, m, 1)
  flows.segment('10.0.0.1', 40000, 1000, none, m, 2) // the other veth's copy
  flows.segment('10.0.0.1', 40000, 1022, { syn: false, fin: true, rst: false }, Buffer.alloc(0), 3)
  assert.deepEqual(outcomes, ['tcp-control', 'message', 'tcp-duplicate', 'tcp-control'])
})

test('a partial message lost to a gap is counted as the loss, and the segment after the gap on its own', () => {
  const { flows, outcomes } = setup()
  const m = msg(40)
  flows.segment('10.0.0.1', 40000, 1000, none, m.subarray(0, 10), 0)
  flows.segment('10.0.0.1', 40000, 2000, none, msg(8), 1)
  assert.deepEqual(outcomes, ['tcp-partial', 'tcp-gap', 'message'])
})

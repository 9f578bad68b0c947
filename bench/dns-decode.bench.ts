/**
 * In-process cost of the capture pipeline per packet (no libpcap), on the packets that reach user
 * space from each bench:dns mix: the realistic one after the kernel filter (answers with records,
 * 2% over TCP are left out here: UDP only) and the simple one. Frames are SLL as on `any`, laid out
 * in one batch buffer as the patched cap hands them over (4-byte length, bytes, padding), run through
 * the real decoder and collector; the collector is drained every 100,000 packets (a report).
 * Per packet in CPU time of this process (process.cpuUsage: the machine is shared), not wall time.
 * node --import tsx bench/dns-decode.bench.ts
 */
import { Registry } from '../src/metrics/lean-registry.js'
import { createSnifferMetrics } from '../sniffer/metrics.js'
import { createPacketDecoder } from '../sniffer/capture/packet-decoder.js'
import { decodeDnsResponse } from '../sniffer/dns/decode-response.js'
import { createLogger } from '../src/log/logger.js'
import { Collector } from '../sniffer/collector.js'
import { ipv4, udp, sll } from '../test/sniffer/capture/frames.js'
import { dnsMix, type MixName } from './lib/dns-mix.js'

const N = 400_000
const results: Record<string, unknown> = {}

for (const mixName of ['realistic', 'simple'] as MixName[]) {
  const mix = dnsMix(mixName)
  // What the default kernel filter passes: responses with answer records and RCODE 0.
  const passed = mix.templates.map((t) => Buffer.from(t.hex, 'hex')).filter((m) => (m[3]! & 0x0f) === 0 && m.readUInt16BE(6) > 0)
  const frames = passed.flatMap((msg, i) => Array.from({ length: 16 }, (_, c) => sll(3, ipv4({ src: '10.253.80.2', dst: `10.253.80.${10 + c}` }, udp(53, 40000 + (i & 63), msg)))))
  // One batch as cap lays it out: [len u32le][frame][pad to 4] ...
  const batch = Buffer.alloc(frames.reduce((n, f) => n + 4 + ((f.length + 3) & ~3), 0))
  const offsets: number[] = []
  let off = 0
  for (const f of frames) {
    batch.writeUInt32LE(f.length, off)
    f.copy(batch, off + 4)
    offsets.push(off)
    off += 4 + ((f.length + 3) & ~3)
  }
  const metrics = createSnifferMetrics(new Registry())
  const collector = new Collector(200_000, () => {})
  let clock = 1_700_000_000_000
  const onPacket = createPacketDecoder({ linkKind: 113, metrics, log: createLogger({ level: 'warn', component: 'bench' }), onResponse: (o) => collector.addDns(o), now: () => clock })
  let seq = 0
  const run = (n: number): void => {
    for (let i = 0; i < n; i++) {
      const at = offsets[i % offsets.length]!
      // A new DNS id per packet (bytes 0-1 of the message: 16 SLL + 20 IP + 8 UDP in): no duplicates.
      seq++
      batch[at + 4 + 44] = (seq >> 8) & 0xff
      batch[at + 4 + 45] = seq & 0xff
      batch[at + 4 + 16 + 22] = 0x9c + ((seq >> 16) & 0x3f)
      const length = batch.readUInt32LE(at)
      onPacket(batch.subarray(at + 4, at + 4 + length), length)
      if ((i & 1023) === 0) clock += 50
      if (seq % 100_000 === 0) collector.drain()
    }
  }
  run(100_000) // warm-up: JIT
  const cpu = (since: NodeJS.CpuUsage): number => { const d = process.cpuUsage(since); return d.user + d.system }
  let t = process.cpuUsage()
  run(N)
  const pipeline = cpu(t) / N
  t = process.cpuUsage()
  for (let i = 0; i < N; i++) {
    const at = offsets[i % offsets.length]!
    decodeDnsResponse(batch, at + 4 + 44, batch.readUInt32LE(at) - 44)
  }
  const decode = cpu(t) / N
  results[mixName] = { frames: frames.length, pipelineMicros: Math.round(pipeline * 1000) / 1000, decodeMicros: Math.round(decode * 1000) / 1000 }
  console.log(`${mixName}: ${passed.length} messages x 16 clients reach user space; pipeline ${pipeline.toFixed(3)} us/packet, DNS decode alone ${decode.toFixed(3)} us`)
}
console.log(JSON.stringify({ bench: 'dns-decode', node: process.version, results }))

/** In-process cost of the capture pipeline per DNS response (no libpcap): node --import tsx bench/dns-decode.bench.ts */
import dnsPacket from 'dns-packet'
import { Registry } from '../src/metrics/lean-registry.js'
import { createSnifferMetrics } from '../sniffer/metrics.js'
import { createPacketDecoder } from '../sniffer/capture/packet-decoder.js'
import { decodeDnsResponse } from '../sniffer/dns/decode-response.js'
import { createLogger } from '../src/log/logger.js'
import { Collector } from '../sniffer/collector.js'
import { ipv4, udp, sll } from '../test/sniffer/capture/frames.js'
const frames: Buffer[] = []
for (let i = 0; i < 256; i++) {
  const name = `svc-${i}.bench.svc.cluster.local`
  const msg = dnsPacket.encode({ type: 'response', id: i, flags: 0x8180, questions: [{ type: 'A', name }], answers: [{ type: 'A', name, ttl: 30, data: `10.96.0.${i}` }] })
  frames.push(sll(0, ipv4({ src: '10.0.0.1', dst: '10.0.0.2' }, udp(53, 40000 + i, msg))))
}
const metrics = createSnifferMetrics(new Registry())
const collector = new Collector(200000, () => {})
const onPacket = createPacketDecoder({ linkKind: 113, metrics, log: createLogger({ level: 'warn', component: 'x' }), onResponse: (o) => collector.addDns(o) })
const N = 400000
const run = (n: number): void => { for (let i = 0; i < n; i++) { const f = frames[i & 255]!; f[16 + 28] = (i >> 8) & 0xff; f[16+29] = i & 0xff; f[16+22] = (i>>16)&0xff; onPacket(f, f.length) } }
run(100000) // warm-up: JIT
let t = process.hrtime.bigint()
run(N)
console.log('pipeline us/pkt', Number(process.hrtime.bigint() - t) / 1e3 / N)
t = process.hrtime.bigint()
for (let i = 0; i < N; i++) { const f = frames[i & 255]!; decodeDnsResponse(f, 44, f.length - 44) }
console.log('decode us/pkt', Number(process.hrtime.bigint() - t) / 1e3 / N)
t = process.hrtime.bigint()
for (let i = 0; i < N; i++) { metrics.packets.inc() }
console.log('inc us', Number(process.hrtime.bigint() - t) / 1e3 / N)

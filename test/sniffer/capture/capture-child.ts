/**
 * Child process for dns-capture.test.ts, run inside a namespace with
 * `ip netns exec NS node --import tsx capture-child.ts <device> [kernel filters, e.g. none]`. Prints
 * one JSON line {"ready": linkType, "filter": ...}, then {"response": ...} per DnsObservation and
 * {"connect": ...} per first SYN; on the stdin line "stats" prints {"stats": {...}} (with libpcap's
 * received count: what passed the kernel filter), on "refresh" {"refreshed": boolean} (the node's
 * addresses read again); exits when stdin closes or after 60 s at most.
 */
import { createInterface } from 'node:readline'
import { Registry } from '../../../src/metrics/lean-registry.js'
import { createLogger } from '../../../src/log/logger.js'
import { createSnifferMetrics } from '../../../sniffer/metrics.js'
import { startDnsCapture } from '../../../sniffer/capture/dns-capture.js'

const device = process.argv[2] ?? 'any'
const filters = (process.argv[3] ?? 'answers,direction').split(',')
const metrics = createSnifferMetrics(new Registry())
const skipped: Record<string, number> = {}
const print = (value: unknown): void => { process.stdout.write(JSON.stringify(value) + '\n') }

const capture = startDnsCapture({
  device,
  bufferSize: 4 << 20,
  kernelFilters: { answers: filters.includes('answers'), direction: filters.includes('direction') },
  metrics,
  log: createLogger({ level: 'warn', component: 'capture-child', destination: process.stderr }),
  onResponse: (response) => { print({ response }) },
  onConnect: (connect) => { print({ connect }) },
  onSkip: (reason) => { skipped[reason] = (skipped[reason] ?? 0) + 1 }
})
print({ ready: capture.linkType, filter: capture.filter })

const stop = (): void => { capture.close(); process.exit(0) }
setTimeout(stop, 60_000).unref()
const input = createInterface({ input: process.stdin })
input.on('line', (line) => {
  if (line.trim() === 'refresh') { print({ refreshed: capture.refreshLocalSources() }); return }
  if (line.trim() !== 'stats') return
  void (async () => {
    const value = async (name: 'packets' | 'duplicatePackets' | 'dnsResponses' | 'syns'): Promise<number> => (await metrics[name].get()).values[0]?.value ?? 0
    const errors = Object.fromEntries((await metrics.decodeErrors.get()).values.map((v) => [String(v.labels.reason), v.value]))
    print({ stats: { pcapReceived: capture.pollStats()?.received, packets: await value('packets'), duplicatePackets: await value('duplicatePackets'), dnsResponses: await value('dnsResponses'), syns: await value('syns'), errors, skipped } })
  })()
})
input.on('close', stop)

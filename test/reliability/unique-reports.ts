/**
 * Reports that each carry one call no other report carries (a DNS answer and a session to its own
 * external address), so "every acknowledged report is in the map" is checked record by record.
 */
import { IP } from '../mapper/fixtures.js'

export const extName = (s: number, i: number): string => `ext-${s}-${i}.example`

/** Report `i` of sender `s`. */
export function uniqueReport (s: number, i: number) {
  const now = Date.now()
  // 198.18.0.0/15 (benchmarking range): room for 512 reports per sender.
  const server = `198.${18 + Math.floor(i / 256)}.${s}.${i % 256}`
  return {
    // The fixture's pods all run on node-a: every simulated sniffer speaks for it.
    version: 1, node: 'node-a', sentAt: now,
    dns: [{ client: IP.checkout, name: extName(s, i), answers: [server], ttl: 30, firstSeen: now, lastSeen: now, count: 1 }],
    sockets: [{ client: IP.checkout, server, port: 443, protocol: 'TCP', firstSeen: now, lastSeen: now, count: 1 }]
  }
}

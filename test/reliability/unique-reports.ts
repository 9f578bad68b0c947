/**
 * Reports that each carry one call no other report carries (a DNS answer and a session to its own
 * external address), so "every acknowledged report is in the map" is checked record by record.
 */
import { IP } from '../mapper/fixtures.js'

export const extName = (s: number, i: number): string => `ext-${s}-${i}.example`

/** Report `i` of sender `s`, from `client` on `node` (default: the fixtures' checkout on node-a). */
export function uniqueReport (s: number, i: number, from: { client: string, node: string } = { client: IP.checkout, node: 'node-a' }) {
  const now = Date.now()
  // 198.18.0.0/15 (benchmarking range): room for 512 reports per sender.
  const server = `198.${18 + Math.floor(i / 256)}.${s}.${i % 256}`
  return {
    // Every simulated sniffer speaks for the client's node.
    version: 1, node: from.node, sentAt: now,
    dns: [{ client: from.client, name: extName(s, i), answers: [server], ttl: 30, firstSeen: now, lastSeen: now, count: 1 }],
    sockets: [{ client: from.client, server, port: 443, protocol: 'TCP', firstSeen: now, lastSeen: now, count: 1 }]
  }
}

/**
 * The sniffer -> mapper wire contract: `POST /api/v1/reports`.
 * One schema, shared by the sniffer (which builds reports) and the mapper (which validates them).
 * Times are epoch milliseconds: cheaper to produce and parse than RFC 3339 strings on the hot path.
 */
import { z } from 'zod'

export const REPORT_VERSION = 1
export const MAX_RECORDS_PER_KIND = 20_000

const epochMs = z.number().int().nonnegative()
const ip = z.union([z.ipv4(), z.ipv6()])

/** One DNS response: `client` asked `name` and was told `answers` (A and AAAA, CNAMEs followed). */
export const dnsRecordSchema = z.object({
  client: ip,
  name: z.string().min(1).max(253),
  answers: z.array(ip).max(64),
  ttl: z.number().int().nonnegative(),
  firstSeen: epochMs,
  lastSeen: epochMs,
  count: z.number().int().positive()
})

/** One session: `client` talked to `server` on the server's `port`. */
export const socketRecordSchema = z.object({
  client: ip,
  server: ip,
  port: z.number().int().min(1).max(65535),
  protocol: z.enum(['TCP', 'UDP']),
  firstSeen: epochMs,
  lastSeen: epochMs,
  count: z.number().int().positive()
})

export const reportSchema = z.object({
  version: z.literal(REPORT_VERSION),
  node: z.string().min(1).max(253),
  sentAt: epochMs,
  dns: z.array(dnsRecordSchema).max(MAX_RECORDS_PER_KIND),
  sockets: z.array(socketRecordSchema).max(MAX_RECORDS_PER_KIND)
})

export type DnsRecord = z.infer<typeof dnsRecordSchema>
export type SocketRecord = z.infer<typeof socketRecordSchema>
export type Report = z.infer<typeof reportSchema>

export const reportAckSchema = z.object({
  accepted: z.object({ dns: z.number().int(), sockets: z.number().int() })
})
export type ReportAck = z.infer<typeof reportAckSchema>

/**
 * The sniffer -> mapper wire contract: `POST /api/v1/reports`.
 * One schema, shared by the sniffer (which builds reports) and the mapper (which validates them).
 * Times are epoch milliseconds: cheaper to produce and parse than RFC 3339 strings on the hot path.
 */
import { z } from 'zod'

import { MAX_ANSWERS_PER_RECORD, MAX_RECORDS_PER_KIND } from './report-limits.js'

export { MAX_ANSWERS_PER_RECORD, MAX_RECORDS_PER_KIND, REPORT_VERSION, SUPPORTED_REPORT_VERSIONS } from './report-limits.js'

/** Epoch milliseconds a Date can hold; the mapper refuses times far from its own clock (--max-clock-skew). */
const epochMs = z.number().int().nonnegative().max(8.64e15)
const ip = z.union([z.ipv4(), z.ipv6()])

/** One DNS response: `client` asked `name` and was told `answers` (A and AAAA, CNAMEs followed). */
export const dnsRecordSchema = z.object({
  client: ip,
  name: z.string().min(1).max(253),
  answers: z.array(ip).max(MAX_ANSWERS_PER_RECORD),
  ttl: z.number().int().nonnegative(),
  firstSeen: epochMs,
  lastSeen: epochMs,
  count: z.number().int().nonnegative()
})

/**
 * The pod a host-network socket belongs to, from the process's cgroup (kubepods path): the pod's
 * UID, and the container's ID where the path names one.
 */
export const podRefSchema = z.object({
  uid: z.string().regex(/^[0-9a-f-]{36}$/),
  containerId: z.string().regex(/^[0-9a-f]{64}$/).optional()
})

/**
 * One session: `client` talked to `server` on the server's `port`. `clientPod` (version 2) is set
 * when the client socket was in the node's own network namespace and a pod's process owned it: the
 * client is then that hostNetwork pod, not the node. `side` (version 3) says which end this node
 * saw it from: `client` (the client's socket is here, or a SYN left from one of this node's own or
 * local pods' addresses) or `server` (only the server's end is here, or a SYN arrived from
 * elsewhere); absent when both ends are on this node, and in older reports.
 *
 * `count` (both kinds) is the number of observations since the sniffer last sent the same record
 * (DNS responses; /proc scans that found the session and first SYNs): a sniffer sends a record when
 * it is new and then at most once per --refresh-interval. 0 restates a record after a mapper
 * restart: its times again, no new observation.
 */
export const socketRecordSchema = z.object({
  client: ip,
  server: ip,
  port: z.number().int().min(1).max(65535),
  protocol: z.enum(['TCP', 'UDP']),
  clientPod: podRefSchema.optional(),
  side: z.enum(['client', 'server']).optional(),
  firstSeen: epochMs,
  lastSeen: epochMs,
  count: z.number().int().nonnegative()
})

export const reportSchema = z.object({
  version: z.union([z.literal(1), z.literal(2), z.literal(3)]),
  node: z.string().min(1).max(253),
  sentAt: epochMs,
  dns: z.array(dnsRecordSchema).max(MAX_RECORDS_PER_KIND),
  sockets: z.array(socketRecordSchema).max(MAX_RECORDS_PER_KIND)
})

export type DnsRecord = z.infer<typeof dnsRecordSchema>
export type SocketRecord = z.infer<typeof socketRecordSchema>
export type PodRef = z.infer<typeof podRefSchema>
export type Report = z.infer<typeof reportSchema>

export const reportAckSchema = z.object({
  accepted: z.object({ dns: z.number().int(), sockets: z.number().int() }),
  /**
   * This mapper process's id, new at every start: a sniffer that sees it change sends again what it
   * currently observes (the new process may have lost what only lived in memory).
   */
  instance: z.string().optional(),
  /** Set when the report is kept to be resolved once the mapper's cluster view has caught up. */
  held: z.boolean().optional()
})
export type ReportAck = z.infer<typeof reportAckSchema>

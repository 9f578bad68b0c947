/**
 * The per-sniffer rate limit on report routes, as an onRequest hook: after the token check and before
 * the body is read, so neither an unauthenticated flood nor a rate-limited sniffer makes the mapper
 * parse a body. Keyed by the node a sniffer proved (ServiceAccount token), else by the sender's
 * address: a sniffer runs on the node's network, so that is its node's address, which a client cannot
 * choose the way it chooses a name in the body.
 *
 * Not @fastify/rate-limit: its local store counts requests in fixed windows, which lets a sniffer
 * send twice its budget across a window boundary and cannot express a burst on top of a steady
 * rate; a token bucket (rate-limit.ts) does both in 40 lines.
 */
import type { FastifyReply, FastifyRequest } from 'fastify'
import { TooManyReports } from '../../src/errors/catalogue.js'
import { accessOf } from './access.js'
import { createRateLimiter, type RateLimitOptions } from './rate-limit.js'

export function reportRateLimitHook (opts: RateLimitOptions, onLimited: () => void, now: () => number = Date.now) {
  const limit = createRateLimiter(opts)
  return async function onRequest (req: FastifyRequest, reply: FastifyReply): Promise<void> {
    if (accessOf(req) !== 'report') return
    // A node that proved itself (ServiceAccount token) is limited as that node; otherwise by address.
    const who = req.sniffer?.node !== undefined ? `node ${req.sniffer.node}` : req.ip
    const d = limit(who, now())
    if (d.allowed) return
    onLimited()
    void reply.header('retry-after', String(d.retryAfterSeconds))
    throw TooManyReports(`too many reports from ${who}: at most ${opts.ratePerSecond}/s (burst ${opts.burst}); retry after ${d.retryAfterSeconds} s`)
  }
}

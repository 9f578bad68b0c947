/**
 * Simulated sniffers for `npm run bench:cluster`: one per node, each posting a report every interval
 * to the real mapper, as the real sniffer does.
 *
 * `delta` (what the sniffer does): a tuple is sent when it is new (a new pod's first report) and
 * then again once per refresh interval; each pod's tuples are due at one tick of the refresh cycle
 * (its slot), so a node spreads its refreshes over the cycle. `state` (the sniffer before delta
 * reporting): every active tuple in every report. DNS: 3 answers per pod per refresh interval, two
 * for its dependencies' Service names and one external name (each workload asks 3 of 200 vendors).
 *
 * Bodies are built as text (no JSON.stringify of objects), so the simulator's own cost stays small
 * next to the mapper's.
 */
import { Agent, request } from 'node:http'
import type { SimCluster, SimPod } from './model.js'

export interface PostStats {
  posts: number
  records: number
  failures: number
  /** Status codes other than 2xx, and transport errors, with a count each. */
  failureKinds: Map<string, number>
  /** Milliseconds from send to acknowledgement, per post. */
  latencies: number[]
  /** How late ticks started against their schedule (the simulator falling behind), ms. */
  lags: number[]
}

export function newStats (): PostStats {
  return { posts: 0, records: 0, failures: 0, failureKinds: new Map(), latencies: [], lags: [] }
}

export interface SnifferFleet {
  stop: () => Promise<void>
  /** Swaps in a fresh stats object (for the next measurement window) and returns the old one. */
  take: () => PostStats
}

export interface FleetOptions {
  url: string
  token: string
  intervalMs: number
  mode: 'delta' | 'state'
  /** Node n's first tick is at start + offset(n); the first report sends the node's whole state. */
  startSpreadMs: number
  clusterDomain?: string
}

export function startFleet (cluster: SimCluster, opts: FleetOptions): SnifferFleet {
  const agent = new Agent({ keepAlive: true, maxSockets: 256 })
  const target = new URL('/api/v1/reports', opts.url)
  let stats = newStats()
  let stopped = false
  const timers = new Set<NodeJS.Timeout>()
  const inflight = new Set<Promise<void>>()
  const domain = opts.clusterDomain ?? 'cluster.local'
  const peers: Array<{ server: string, port: number }> = []
  const t0 = Date.now()

  const body = (node: number, tick: number, now: number): { text: string, records: number } => {
    const sockets: string[] = []
    const dns: string[] = []
    const slot = tick % cluster.slots
    const pods = cluster.nodePods[node] as SimPod[]
    const first = now - opts.intervalMs
    for (const pod of pods) {
      const due = opts.mode === 'state' || pod.fresh || pod.slot === slot || tick === 0
      if (!due) continue
      pod.fresh = false
      cluster.peers(pod, peers)
      for (const p of peers) {
        sockets.push(`{"client":"${pod.ip}","server":"${p.server}","port":${p.port},"protocol":"TCP","firstSeen":${first},"lastSeen":${now},"count":1}`)
      }
      if (pod.slot === slot) {
        const wl = cluster.workloads[pod.workload]
        if (wl === undefined) continue
        for (let j = 0; j < 2; j++) {
          const dep = cluster.workloads[wl.deps[(tick + j) % wl.deps.length] as number]
          if (dep === undefined) continue
          dns.push(`{"client":"${pod.ip}","name":"${dep.name}.${dep.namespace}.svc.${domain}","answers":["${dep.serviceIp}"],"ttl":30,"firstSeen":${now},"lastSeen":${now},"count":1}`)
        }
        const vendor = (wl.index * 3 + Math.floor(now / 60_000) % 3) % 200
        dns.push(`{"client":"${pod.ip}","name":"api.vendor-${vendor}.example","answers":["203.0.113.${vendor % 250 + 1}"],"ttl":300,"firstSeen":${now},"lastSeen":${now},"count":1}`)
      }
    }
    return {
      text: `{"version":2,"node":"node-${node}","sentAt":${now},"dns":[${dns.join(',')}],"sockets":[${sockets.join(',')}]}`,
      records: dns.length + sockets.length
    }
  }

  const post = (text: string): Promise<{ status: number }> => new Promise((resolve, reject) => {
    const req = request(target, { method: 'POST', agent, headers: { authorization: `Bearer ${opts.token}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) } }, (res) => {
      res.resume()
      res.on('end', () => resolve({ status: res.statusCode ?? 0 }))
      res.on('error', reject)
    })
    req.setTimeout(60_000, () => req.destroy(new Error('timeout')))
    req.on('error', reject)
    req.end(text)
  })

  const tickNode = (node: number, tick: number, due: number): void => {
    if (stopped) return
    const now = Date.now()
    const s = stats
    s.lags.push(now - due)
    const { text, records } = body(node, tick, now)
    const sent = performance.now()
    const p = post(text).then(({ status }) => {
      if (status >= 200 && status < 300) { s.posts++; s.records += records; s.latencies.push(performance.now() - sent) } else {
        s.failures++
        s.failureKinds.set(String(status), (s.failureKinds.get(String(status)) ?? 0) + 1)
      }
    }, (err: Error) => {
      s.failures++
      s.failureKinds.set(err.message, (s.failureKinds.get(err.message) ?? 0) + 1)
    })
    inflight.add(p)
    void p.finally(() => inflight.delete(p))
    const next = due + opts.intervalMs
    const t = setTimeout(() => { timers.delete(t); tickNode(node, tick + 1, next) }, Math.max(0, next - Date.now()))
    timers.add(t)
  }

  for (let n = 0; n < cluster.nodes; n++) {
    const due = t0 + Math.floor((opts.startSpreadMs * n) / cluster.nodes)
    const t = setTimeout(() => { timers.delete(t); tickNode(n, 0, due) }, due - t0)
    timers.add(t)
  }

  return {
    take () { const s = stats; stats = newStats(); return s },
    async stop () {
      stopped = true
      for (const t of timers) clearTimeout(t)
      await Promise.allSettled([...inflight])
      agent.destroy()
    }
  }
}

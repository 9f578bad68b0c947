/**
 * `npm run bench:delta`: records per report with delta reporting (sniffer/sent-ledger.ts) against
 * sending every observed record in every report (the design before issue #12), on one node's
 * realistic profile, through the real Collector and SentLedger on a simulated clock (no capture,
 * no /proc: what goes out is decided there, and only there).
 *
 * Profile (the one issue #12 asks bench:cluster to use): 30 pods; each holds 40 long-lived
 * sessions (seen by every /proc scan) and looks up 10 stable names every 30 s (same answers), and
 * gets 3 new DNS answers a minute (a name it had not asked for, or new addresses). A /proc scan and
 * a report every 5 s, --refresh-interval 60 s, over 10 simulated minutes after one minute of warm-up.
 * Checks that delta reporting carries the same total count (fails otherwise) and prints the ratio, ending with one
 * JSON line. Options: --pods=30 --sessions=40 --minutes=10 --refresh=60.
 */
import { Collector, type Batch } from '../sniffer/collector.js'
import { SentLedger } from '../sniffer/sent-ledger.js'

const args = process.argv.slice(2)
const flag = (name: string, fallback: number): number => {
  const a = args.find((x) => x.startsWith(`--${name}=`))
  return a === undefined ? fallback : Number(a.slice(name.length + 3))
}
const PODS = flag('pods', 30)
const SESSIONS = flag('sessions', 40)
const MINUTES = flag('minutes', 10)
const REFRESH_MS = flag('refresh', 60) * 1000
const STABLE_NAMES = 10
const NEW_ANSWERS_PER_MIN = 3
const STEP_MS = 5_000
const WARMUP_MS = 60_000

const podIp = (p: number): string => `10.1.${p >> 8}.${p & 255}`
const serverIp = (p: number, s: number): string => `10.2.${(p * SESSIONS + s) >> 8 & 255}.${(p * SESSIONS + s) & 255}`

interface Tally { reports: number, records: number, count: number }

function run (delta: boolean): Tally {
  const collector = new Collector(1_000_000, () => { throw new Error('collector full') })
  const ledger = new SentLedger({ refreshMs: delta ? REFRESH_MS : 0, maxKeys: 1_000_000, onForget: () => { throw new Error('ledger full') } })
  const tally: Tally = { reports: 0, records: 0, count: 0 }
  let fresh = 0
  const end = WARMUP_MS + MINUTES * 60_000
  for (let t = 0; t < end; t += STEP_MS) {
    for (let p = 0; p < PODS; p++) {
      for (let s = 0; s < SESSIONS; s++) collector.addSession({ client: podIp(p), server: serverIp(p, s), port: 443, protocol: 'TCP' }, t)
      // Stable names, each looked up every 30 s (spread over the pods' steps).
      for (let n = 0; n < STABLE_NAMES; n++) {
        if ((t / STEP_MS + n + p) % 6 === 0) collector.addDns({ client: podIp(p), name: `svc-${n}.example`, answers: [`192.0.2.${n}`], ttl: 30, at: t })
      }
      // New answers: NEW_ANSWERS_PER_MIN a minute per pod, spread over the minute.
      if ((t / STEP_MS + p) % (12 / NEW_ANSWERS_PER_MIN) === 0) {
        fresh++
        collector.addDns({ client: podIp(p), name: `new-${fresh}.example`, answers: [`198.51.100.${fresh & 255}`], ttl: 30, at: t })
      }
    }
    const out: Batch = ledger.take(collector.drain(), t)
    for (const r of [...out.dns, ...out.sockets]) tally.count += r.count
    if (t < WARMUP_MS) continue
    tally.reports++
    tally.records += out.dns.length + out.sockets.length
  }
  // What is still folded goes out at shutdown: counted, so the totals compare.
  const last = ledger.take(collector.drain(), end, true)
  for (const r of [...last.dns, ...last.sockets]) tally.count += r.count
  return tally
}

const every = run(false)
const delta = run(true)
const perReport = (t: Tally): number => t.records / t.reports
const ratio = perReport(delta) / perReport(every)
console.log(`profile: ${PODS} pods x ${SESSIONS} long-lived sessions, ${STABLE_NAMES} names looked up every 30 s and ${NEW_ANSWERS_PER_MIN} new answers a minute per pod; scan and report every ${STEP_MS / 1000} s; ${MINUTES} min after 1 min warm-up`)
console.log(`every record every report: ${perReport(every).toFixed(1)} records/report (${(every.records / (MINUTES * 60)).toFixed(1)} records/s)`)
console.log(`delta, refresh ${REFRESH_MS / 1000} s:        ${perReport(delta).toFixed(1)} records/report (${(delta.records / (MINUTES * 60)).toFixed(1)} records/s)`)
console.log(`ratio delta/every: ${ratio.toFixed(3)} (${(1 / ratio).toFixed(1)}x fewer records)`)
console.log(`observations carried (counts summed, warm-up and shutdown included): every ${every.count}, delta ${delta.count}`)
if (every.count !== delta.count) throw new Error('delta reporting lost or invented observations')
console.log(JSON.stringify({ bench: 'delta', pods: PODS, sessions: SESSIONS, refreshS: REFRESH_MS / 1000, everyRecordsPerReport: Number(perReport(every).toFixed(1)), deltaRecordsPerReport: Number(perReport(delta).toFixed(1)), everyRecordsPerS: Number((every.records / (MINUTES * 60)).toFixed(1)), deltaRecordsPerS: Number((delta.records / (MINUTES * 60)).toFixed(1)), ratio: Number(ratio.toFixed(4)) }))

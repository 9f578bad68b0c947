/**
 * The embedded store: the map in memory (edge-store.ts), kept durable under a state directory by a
 * checkpoint file plus a write-ahead log. A report is acknowledged only after its calls are in the log
 * on disk, so `kill -9` right after a 2xx loses nothing; start-up loads the checkpoint and replays the
 * log. Checkpoints are written atomically (temporary file, fsync, rename, fsync of the directory) when
 * the log passes `checkpointBytes`, after a reset, and at shutdown. Without a state directory the map
 * lives in memory only.
 *
 * The checkpoint is NDJSON (`map.ndjson`): a header line, one line per edge, pin and held report, so it
 * is written and read a line at a time (a map of 50,000 edges with a month of history never becomes
 * one string). A format-1 `map.json` is read once and replaced.
 */
import { createReadStream } from 'node:fs'
import { mkdir, open, readdir, readFile, rename, rm, truncate, type FileHandle } from 'node:fs/promises'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import type { Edge, Identity } from '../../src/contract/map.js'
import type { ExplainResponse } from '../../src/contract/explain.js'
import type { Logger } from '../../src/log/logger.js'
import { HOUR_MS, type Call } from './call.js'
import { EdgeStore, edgeKey, type EdgeFilter, type PortCount } from './edge-store.js'
import type { MapStore } from './map-store.js'
import { WriteAheadLog } from './wal.js'
import { readClusters } from './cluster-reads.js'
import { isDateTime } from '../resolve/record-times.js'
import {
  InternTable, STATE_FORMAT, decodeCall, encodeCall, loadEdge, saveEdge,
  type Checkpoint, type HeldReport, type Pin, type SavedEdge, type WalCall, type WalEntry
} from './state-codec.js'

export interface EmbeddedStoreOptions {
  stateDir?: string
  log: Logger
  /** Write a checkpoint once the log passes this size (default 64 MiB). */
  checkpointBytes?: number
  /** History newer than this is kept hourly, older daily (default 48 h). */
  hourlyHistoryMs?: number
  /** Most snapshots kept (default 16): each is a full copy of the map. */
  maxSnapshots?: number
  /** The clock (tests set it; default Date.now). */
  now?: () => number
  /** Called once each checkpoint is durable (and the logs it covers removed). */
  onCheckpoint?: () => void
  /** The cluster this mapper writes for (default "default"); the embedded store holds no other. */
  cluster?: string
  /** Awaited before each log file is opened: a test hook that holds a checkpoint's switch-over open. */
  beforeWalOpen?: (path: string) => Promise<void>
}

const CHECKPOINT = 'map.ndjson'
const CHECKPOINT_V1 = 'map.json'
const walName = (gen: number): string => `wal-${String(gen).padStart(8, '0')}.log`

type CheckpointLine = { k: 'edge', e: SavedEdge } | { k: 'pin', p: Pin } | { k: 'held', r: HeldReport }

export class EmbeddedStore implements MapStore {
  readonly kind = 'embedded' as const
  readonly edges = new EdgeStore()
  private readonly pinned = new Map<string, Pin>()
  /** Reports accepted before the cluster view could resolve them, by id (in order). */
  private readonly held = new Map<number, HeldReport>()
  private nextHeldId = 1
  private wal?: WriteAheadLog
  private table = new InternTable()
  private generation = 0
  private checkpointing?: Promise<void>
  private readonly checkpointBytes: number
  private readonly hourlyMs: number
  private readonly now: () => number
  /** What the last start-up recovered, for logs and tests. */
  recovered = { edges: 0, walEntries: 0, tornBytes: 0, badLines: 0, badCalls: 0, ms: 0 }

  constructor (private readonly opts: EmbeddedStoreOptions) {
    this.checkpointBytes = opts.checkpointBytes ?? 64 << 20
    this.hourlyMs = opts.hourlyHistoryMs ?? 48 * HOUR_MS
    this.now = opts.now ?? Date.now
  }

  get durable (): boolean { return this.opts.stateDir !== undefined }
  get cluster (): string { return this.opts.cluster ?? 'default' }

  /** Calls that ended before this are kept in daily buckets. */
  private hourlyFrom (): number { return this.now() - this.hourlyMs }

  get maxSnapshots (): number { return this.opts.maxSnapshots ?? 16 }

  async open (): Promise<void> {
    const dir = this.opts.stateDir
    if (dir === undefined) return
    const started = Date.now()
    await mkdir(dir, { recursive: true })
    const { walGeneration: startGen, legacy } = await this.loadCheckpoint(dir)
    let last = startGen
    for (const gen of await walGenerations(dir)) {
      if (gen < startGen) { await rm(join(dir, walName(gen)), { force: true }); continue }
      await this.replay(join(dir, walName(gen)))
      last = gen
    }
    this.edges.rollUp(this.hourlyFrom())
    // A new log generation: the logs replayed stay (the next checkpoint removes them), and the intern
    // table of the new one starts empty, as its file does.
    this.generation = last + 1
    this.wal = new WriteAheadLog(join(dir, walName(this.generation)), this.opts.beforeWalOpen)
    await this.wal.open()
    if (legacy) {
      await this.checkpoint()
      await rm(join(dir, CHECKPOINT_V1), { force: true })
    }
    this.recovered.ms = Date.now() - started
  }

  /** Loads map.ndjson (or a format-1 map.json, `legacy`); returns the log generation that continues it. */
  private async loadCheckpoint (dir: string): Promise<{ walGeneration: number, legacy: boolean }> {
    // One object per identity, shared by its edges (their key strings are then computed once).
    const identities = new Map<string, Identity>()
    const shared = (id: Identity): Identity => {
      const k = `${id.kind}/${id.namespace ?? ''}/${id.name}/${id.service ?? ''}`
      let known = identities.get(k)
      if (!known) { known = id; identities.set(k, id) }
      return known
    }
    const restore = (s: SavedEdge | Checkpoint['edges'][number]): void => {
      s.c = shared(s.c)
      s.s = shared(s.s)
      const edge = loadEdge(edgeKey(s.c, s.s), s, this.hourlyFrom())
      if (edge) { this.edges.restore(edge); this.recovered.edges++ } else this.recovered.badCalls++
    }
    const path = join(dir, CHECKPOINT)
    try {
      const lines = createInterface({ input: createReadStream(path, { encoding: 'utf8', highWaterMark: 1 << 20 }), crlfDelay: Infinity })
      let header: Pick<Checkpoint, 'format' | 'walGeneration'> | undefined
      for await (const line of lines) {
        if (line === '') continue
        if (!header) {
          header = JSON.parse(line) as Pick<Checkpoint, 'format' | 'walGeneration'>
          if (header.format !== STATE_FORMAT) throw new Error(`${path}: unknown state format ${header.format}`)
          continue
        }
        const l = JSON.parse(line) as CheckpointLine
        if (l.k === 'edge') restore(l.e)
        else if (l.k === 'pin') this.pinned.set(l.p.name, l.p)
        else this.keepHeld(l.r)
      }
      return { walGeneration: header?.walGeneration ?? 0, legacy: false }
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
    }
    const text = await readFile(join(dir, CHECKPOINT_V1), 'utf8').catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return undefined
      throw err
    })
    if (text === undefined) return { walGeneration: 0, legacy: false }
    const cp = JSON.parse(text) as Checkpoint
    if (cp.format !== 1) throw new Error(`${join(dir, CHECKPOINT_V1)}: unknown state format ${cp.format}`)
    for (const s of cp.edges) restore(s)
    for (const p of cp.pins) this.pinned.set(p.name, p)
    for (const r of cp.held ?? []) this.keepHeld(r)
    return { walGeneration: cp.walGeneration, legacy: true }
  }

  private async replay (path: string): Promise<void> {
    const buf = await readFile(path)
    const table = new InternTable()
    const hourlyFrom = this.hourlyFrom()
    let offset = 0
    while (offset < buf.length) {
      const nl = buf.indexOf(10, offset)
      if (nl === -1) {
        // A torn last line: the write that never completed was never acknowledged.
        this.recovered.tornBytes += buf.length - offset
        await truncate(path, offset)
        break
      }
      const line = buf.subarray(offset, nl).toString('utf8')
      offset = nl + 1
      let entry: WalEntry
      try { entry = JSON.parse(line) as WalEntry } catch {
        this.recovered.badLines++
        this.opts.log.error({ path, offset }, 'skipping an unreadable write-ahead log line')
        continue
      }
      this.apply(entry, table, hourlyFrom)
      this.recovered.walEntries++
    }
  }

  private apply (entry: WalEntry, table: InternTable, hourlyFrom: number): void {
    switch (entry.t) {
      case 'id': table.define(entry.i, entry.v); break
      case 's': table.defineString(entry.i, entry.v); break
      case 'calls':
        for (const c of entry.c) {
          const call = decodeCall(c, table)
          // Older versions logged any time a report claimed: one impossible time made every map read fail.
          if (isDateTime(call.first) && isDateTime(call.last)) this.edges.add(call, hourlyFrom)
          else this.recovered.badCalls++
        }
        break
      case 'reset': this.edges.clear(); break
      case 'pin': this.pinned.set(entry.pin.name, entry.pin); break
      case 'unpin': this.pinned.delete(entry.name); break
      case 'rekey': this.edges.rekey(entry.from, entry.to, hourlyFrom); break
      case 'prune': this.edges.prune(entry.before); break
      case 'hold': this.keepHeld(entry.r); break
      case 'release': this.held.delete(entry.id); break
    }
  }

  /** Resolves once `entries` are on disk (at once without a state directory). */
  private async persist (entries: WalEntry[]): Promise<void> {
    if (!this.wal || entries.length === 0) return
    const wal = this.wal
    const done = wal.append(entries.map((e) => JSON.stringify(e)).join('\n'))
    if (wal.bytes > this.checkpointBytes && !this.checkpointing) void this.checkpoint().catch((err) => this.opts.log.error({ err }, 'checkpoint failed'))
    await done
  }

  async record (calls: Call[]): Promise<void> { await this.recordWith(calls, []) }

  /** Adds resolved calls, with `also` in the same log write; resolves when they are durable. */
  private async recordWith (calls: Call[], also: WalEntry[]): Promise<void> {
    if (calls.length === 0 && also.length === 0) return
    const hourlyFrom = this.hourlyFrom()
    for (const c of calls) this.edges.add(c, hourlyFrom)
    if (!this.wal) return
    const entries: WalEntry[] = []
    const encoded: WalCall[] = []
    const declare = (e: WalEntry): void => { entries.push(e) }
    for (const c of calls) {
      const ci = this.table.intern(c.client, declare)
      const si = this.table.intern(c.server, declare)
      const name = c.name === undefined ? -1 : this.table.internString(c.name, declare)
      const node = c.node === undefined ? -1 : this.table.internString(c.node, declare)
      encoded.push(encodeCall(c, ci, si, name, node))
    }
    if (encoded.length > 0) entries.push({ t: 'calls', c: encoded })
    entries.push(...also)
    await this.persist(entries)
  }

  /** Clears the map; the checkpoint is rewritten at once so the disk is freed too. */
  async reset (): Promise<number> {
    const removed = this.edges.size
    this.edges.clear()
    await this.persist([{ t: 'reset' }])
    await this.checkpoint()
    return removed
  }

  async pin (pin: Pin): Promise<void> {
    this.pinned.set(pin.name, pin)
    await this.persist([{ t: 'pin', pin }])
  }

  async unpin (name: string): Promise<boolean> {
    const had = this.pinned.delete(name)
    if (had) await this.persist([{ t: 'unpin', name }])
    return had
  }

  async pins (): Promise<Pin[]> { return [...this.pinned.values()].sort((a, b) => a.createdAt - b.createdAt) }
  async getPin (name: string): Promise<Pin | undefined> { return this.pinned.get(name) }

  async hold (report: Omit<HeldReport, 'id'>): Promise<number> {
    const r: HeldReport = { id: this.nextHeldId, ...report }
    this.keepHeld(r)
    await this.persist([{ t: 'hold', r }])
    return r.id
  }

  async release (id: number, calls: Call[]): Promise<void> {
    this.held.delete(id)
    await this.recordWith(calls, [{ t: 'release', id }])
  }

  async heldReports (limit: number): Promise<HeldReport[]> {
    const out: HeldReport[] = []
    for (const r of this.held.values()) { if (out.length >= limit) break; out.push(r) }
    return out
  }

  async heldRecords (): Promise<number> {
    let n = 0
    for (const r of this.held.values()) n += r.dns.length + r.sockets.length
    return n
  }

  private keepHeld (r: HeldReport): void {
    this.held.set(r.id, r)
    if (r.id >= this.nextHeldId) this.nextHeldId = r.id + 1
  }

  async rekey (from: Identity, to: Identity): Promise<void> {
    if (this.edges.rekey(from, to, this.hourlyFrom()) > 0) await this.persist([{ t: 'rekey', from, to }])
  }

  async prune (before: number): Promise<number> {
    const removed = this.edges.prune(before)
    await this.persist([{ t: 'prune', before }])
    return removed
  }

  async rollUp (): Promise<number> { return this.edges.rollUp(this.hourlyFrom()) }
  async leadsJobs (): Promise<boolean> { return true }

  async list (filter?: EdgeFilter): Promise<Edge[]> { return (await this.named(filter)) ?? this.edges.list(filter) }
  async listJson (filter?: EdgeFilter): Promise<string> {
    const named = await this.named(filter)
    return named ? JSON.stringify({ edges: named }) : this.edges.listJson(filter)
  }

  private async named (filter?: EdgeFilter): Promise<Edge[] | undefined> {
    return await readClusters(filter, async (c) => c === this.cluster ? this.edges.list(filter) : [])
  }

  async clusters (): Promise<Array<{ name: string, edges: number }>> { return [{ name: this.cluster, edges: this.edges.size }] }
  async explain (clientKey: string, serverKey: string, since?: number, until?: number): Promise<ExplainResponse | undefined> {
    return this.edges.explain(clientKey, serverKey, since, until)
  }

  async portCounts (): Promise<PortCount[]> { return [...this.edges.portCounts()] }
  async edgeCount (): Promise<number> { return this.edges.size }
  memoryBytes (): number { return this.edges.approxBytes() }

  /**
   * Writes the whole map to a new checkpoint and starts a new log generation. The map is saved and
   * the new log takes over in one synchronous step, so every acknowledged entry is in the checkpoint
   * or in the new log (or in the old log, which is deleted only after the checkpoint is durable).
   */
  async checkpoint (): Promise<void> {
    const dir = this.opts.stateDir
    if (dir === undefined || !this.wal) return
    while (this.checkpointing) await this.checkpointing
    const run = async (): Promise<void> => {
      const oldWal = this.wal as WriteAheadLog
      const next = this.generation + 1
      // Saved records (packed history as base64), not yet strings: the file is written a line at a time.
      const edges = [...this.edges.records()].map(saveEdge)
      const pins = [...this.pinned.values()]
      const held = [...this.held.values()]
      // Switch to the new log in the same tick as the save above: a call recorded from here on is
      // appended to the new log (it waits there while the file opens), never to the old one, which is
      // deleted once the checkpoint is on disk.
      const newWal = new WriteAheadLog(join(dir, walName(next)), this.opts.beforeWalOpen)
      this.wal = newWal
      this.table = new InternTable()
      this.generation = next
      await newWal.open()
      await oldWal.close()
      const tmp = join(dir, `${CHECKPOINT}.tmp`)
      const fh = await open(tmp, 'w')
      try {
        await writeLines(fh, [JSON.stringify({ format: STATE_FORMAT, walGeneration: next, savedAt: Date.now(), edges: edges.length })], edges.map((e) => ({ k: 'edge' as const, e })), pins.map((p) => ({ k: 'pin' as const, p })), held.map((r) => ({ k: 'held' as const, r })))
        await fh.datasync()
      } finally {
        await fh.close()
      }
      await rename(tmp, join(dir, CHECKPOINT))
      const dh = await open(dir, 'r')
      await dh.sync()
      await dh.close()
      // Every log older than the new generation is in the checkpoint now.
      for (const gen of await walGenerations(dir)) if (gen < next) await rm(join(dir, walName(gen)), { force: true })
      this.opts.onCheckpoint?.()
    }
    this.checkpointing = run().finally(() => { this.checkpointing = undefined })
    await this.checkpointing
  }

  async close (): Promise<void> {
    if (!this.wal) return
    await this.checkpoint()
    await this.wal.close()
    this.wal = undefined
  }
}

async function walGenerations (dir: string): Promise<number[]> {
  return (await readdir(dir)).map((f) => /^wal-(\d+)\.log$/.exec(f)).filter((m): m is RegExpExecArray => m !== null).map((m) => Number(m[1])).sort((a, b) => a - b)
}

/** Writes header lines then every item as one JSON line, in chunks of about 1 MiB. */
async function writeLines (fh: FileHandle, header: string[], ...groups: CheckpointLine[][]): Promise<void> {
  let chunk = header.map((h) => h + '\n').join('')
  for (const group of groups) {
    for (const item of group) {
      chunk += JSON.stringify(item) + '\n'
      if (chunk.length > 1 << 20) { await fh.write(chunk); chunk = '' }
    }
  }
  if (chunk.length > 0) await fh.write(chunk)
}

/**
 * The map, kept durable under a state directory: a checkpoint file plus a write-ahead log. A report
 * is acknowledged only after its calls are in the log on disk, so `kill -9` right after a 2xx loses
 * nothing; start-up loads the checkpoint and replays the log. Checkpoints are written atomically
 * (temporary file, fsync, rename, fsync of the directory) when the log passes `checkpointBytes`
 * and at shutdown. Without a state directory the map lives in memory only.
 */
import { mkdir, open, readdir, readFile, rename, rm, truncate, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { Identity } from '../../src/contract/map.js'
import type { Logger } from '../../src/log/logger.js'
import type { Call } from './call.js'
import { EdgeStore, edgeKey } from './edge-store.js'
import { WriteAheadLog } from './wal.js'
import { isDateTime } from '../resolve/record-times.js'
import {
  IdentityTable, STATE_FORMAT, decodeCall, encodeCall, loadEdge, saveEdge,
  type Checkpoint, type HeldReport, type Pin, type WalCall, type WalEntry
} from './state-codec.js'

export interface DurableMapOptions {
  stateDir?: string
  log: Logger
  /** Write a checkpoint once the log passes this size (default 64 MiB). */
  checkpointBytes?: number
  /** Awaited before each log file is opened: a test hook that holds a checkpoint's switch-over open. */
  beforeWalOpen?: (path: string) => Promise<void>
}

const CHECKPOINT = 'map.json'
const walName = (gen: number): string => `wal-${String(gen).padStart(8, '0')}.log`

export class DurableMap {
  readonly store = new EdgeStore()
  private readonly pinned = new Map<string, Pin>()
  /** Reports accepted before the cluster view could resolve them, by id (in order). */
  private readonly heldReports = new Map<number, HeldReport>()
  private nextHeldId = 1
  private wal?: WriteAheadLog
  private table = new IdentityTable()
  private generation = 0
  private checkpointing?: Promise<void>
  private readonly checkpointBytes: number
  /** What the last start-up recovered, for logs and tests. */
  recovered = { edges: 0, walEntries: 0, tornBytes: 0, badLines: 0, badCalls: 0 }

  constructor (private readonly opts: DurableMapOptions) {
    this.checkpointBytes = opts.checkpointBytes ?? 64 << 20
  }

  get durable (): boolean { return this.opts.stateDir !== undefined }

  async open (): Promise<void> {
    const dir = this.opts.stateDir
    if (dir === undefined) return
    await mkdir(dir, { recursive: true })
    let startGen = 0
    const text = await readFile(join(dir, CHECKPOINT), 'utf8').catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return undefined
      throw err
    })
    if (text !== undefined) {
      const cp = JSON.parse(text) as Checkpoint
      if (cp.format !== STATE_FORMAT) throw new Error(`${join(dir, CHECKPOINT)}: unknown state format ${cp.format}`)
      for (const s of cp.edges) {
        const edge = loadEdge(edgeKey(s.c, s.s), s)
        if (edge) this.store.restore(edge)
        else this.recovered.badCalls++
      }
      for (const p of cp.pins) this.pinned.set(p.name, p)
      for (const r of cp.held ?? []) this.keepHeld(r)
      startGen = cp.walGeneration
      this.recovered.edges = cp.edges.length
    }
    const gens = (await readdir(dir)).map((f) => /^wal-(\d+)\.log$/.exec(f)).filter((m): m is RegExpExecArray => m !== null).map((m) => Number(m[1])).sort((a, b) => a - b)
    for (const gen of gens) {
      if (gen < startGen) { await rm(join(dir, walName(gen)), { force: true }); continue }
      await this.replay(join(dir, walName(gen)))
      this.generation = gen
    }
    this.generation = Math.max(this.generation, startGen)
    this.wal = new WriteAheadLog(join(dir, walName(this.generation)), this.opts.beforeWalOpen)
    await this.wal.open()
    // Identities declared in the log being continued are known to the table of that generation only
    // if we re-declare them: start a fresh generation so the table and the file agree.
    await this.checkpoint()
  }

  private async replay (path: string): Promise<void> {
    const buf = await readFile(path)
    const table = new IdentityTable()
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
      this.apply(entry, table)
      this.recovered.walEntries++
    }
  }

  private apply (entry: WalEntry, table: IdentityTable): void {
    switch (entry.t) {
      case 'id': table.define(entry.i, entry.v); break
      case 'calls':
        for (const c of entry.c) {
          const call = decodeCall(c, table)
          // Older versions logged any time a report claimed: one impossible time made every map read fail.
          if (isDateTime(call.first) && isDateTime(call.last)) this.store.add(call)
          else this.recovered.badCalls++
        }
        break
      case 'reset': this.store.clear(); break
      case 'pin': this.pinned.set(entry.pin.name, entry.pin); break
      case 'unpin': this.pinned.delete(entry.name); break
      case 'rekey': this.store.rekey(entry.from, entry.to); break
      case 'prune': this.store.prune(entry.before); break
      case 'hold': this.keepHeld(entry.r); break
      case 'release': this.heldReports.delete(entry.id); break
    }
  }

  /** Applies `entries` now and resolves once they are on disk. */
  private async persist (entries: WalEntry[]): Promise<void> {
    if (!this.wal || entries.length === 0) return
    const wal = this.wal
    const done = wal.append(entries.map((e) => JSON.stringify(e)).join('\n'))
    if (wal.bytes > this.checkpointBytes && !this.checkpointing) void this.checkpoint().catch((err) => this.opts.log.error({ err }, 'checkpoint failed'))
    await done
  }

  /** Adds resolved calls (and `also`, in the same log write); resolves when they are durable. */
  async record (calls: Call[], also: WalEntry[] = []): Promise<void> {
    if (calls.length === 0 && also.length === 0) return
    for (const c of calls) this.store.add(c)
    if (!this.wal) return
    const entries: WalEntry[] = []
    const encoded: WalCall[] = []
    for (const c of calls) {
      const ci = this.table.intern(c.client, (e) => entries.push(e))
      const si = this.table.intern(c.server, (e) => entries.push(e))
      encoded.push(encodeCall(c, ci, si))
    }
    if (encoded.length > 0) entries.push({ t: 'calls', c: encoded })
    entries.push(...also)
    await this.persist(entries)
  }

  async reset (): Promise<void> {
    this.store.clear()
    await this.persist([{ t: 'reset' }])
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

  /** Keeps a report until it can be resolved; resolves when that is durable. Returns its id. */
  async hold (report: Omit<HeldReport, 'id'>): Promise<number> {
    const r: HeldReport = { id: this.nextHeldId, ...report }
    this.keepHeld(r)
    await this.persist([{ t: 'hold', r }])
    return r.id
  }

  /** Records the calls a held report resolved to and forgets the report, in one durable step. */
  async release (id: number, calls: Call[]): Promise<void> {
    this.heldReports.delete(id)
    await this.record(calls, [{ t: 'release', id }])
  }

  /** Held reports, oldest first (after a restart: those still unresolved). */
  held (): HeldReport[] { return [...this.heldReports.values()] }

  private keepHeld (r: HeldReport): void {
    this.heldReports.set(r.id, r)
    if (r.id >= this.nextHeldId) this.nextHeldId = r.id + 1
  }

  pins (): Pin[] { return [...this.pinned.values()].sort((a, b) => a.createdAt - b.createdAt) }
  getPin (name: string): Pin | undefined { return this.pinned.get(name) }

  async rekey (from: Identity, to: Identity): Promise<void> {
    if (this.store.rekey(from, to) > 0) await this.persist([{ t: 'rekey', from, to }])
  }

  async prune (before: number): Promise<number> {
    const removed = this.store.prune(before)
    await this.persist([{ t: 'prune', before }])
    return removed
  }

  /**
   * Writes the whole map to a new checkpoint and starts a new log generation. The map is serialised
   * and the new log takes over in one synchronous step, so every acknowledged entry is in the
   * checkpoint or in the new log (or in the old log, which is deleted only after the checkpoint is durable).
   */
  async checkpoint (): Promise<void> {
    const dir = this.opts.stateDir
    if (dir === undefined || !this.wal) return
    while (this.checkpointing) await this.checkpointing
    const run = async (): Promise<void> => {
      const oldWal = this.wal as WriteAheadLog
      const next = this.generation + 1
      const cp: Checkpoint = {
        format: STATE_FORMAT,
        walGeneration: next,
        savedAt: Date.now(),
        edges: [...this.store.records()].map(saveEdge),
        pins: this.pins(),
        held: this.held()
      }
      const body = JSON.stringify(cp)
      // Switch to the new log in the same tick as the serialisation above: a call recorded from here
      // on is appended to the new log (it waits there while the file opens), never to the old one,
      // which is deleted once the checkpoint is on disk.
      const newWal = new WriteAheadLog(join(dir, walName(next)), this.opts.beforeWalOpen)
      this.wal = newWal
      this.table = new IdentityTable()
      this.generation = next
      await newWal.open()
      await oldWal.close()
      const tmp = join(dir, `${CHECKPOINT}.tmp`)
      await writeFile(tmp, body)
      const fh = await open(tmp, 'r+')
      await fh.datasync()
      await fh.close()
      await rename(tmp, join(dir, CHECKPOINT))
      const dh = await open(dir, 'r')
      await dh.sync()
      await dh.close()
      await rm(oldWal.path, { force: true })
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

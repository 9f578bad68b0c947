/**
 * The object store behind the fake API server: one global resourceVersion counter, objects keyed by
 * resource/namespace/name, and a bounded event history for watches that resume from an old version.
 */
import { randomUUID } from 'node:crypto'
import { apiVersionOf, resourceByKind, type ResourceDef } from './fake-apiserver-resources.js'

export interface KubeObj {
  apiVersion?: string
  kind?: string
  metadata: { name: string, namespace?: string, uid?: string, resourceVersion?: string, creationTimestamp?: string, labels?: Record<string, string>, [k: string]: unknown }
  [k: string]: unknown
}

export type EventType = 'ADDED' | 'MODIFIED' | 'DELETED'

export interface StoreEvent { rv: number, type: EventType, def: ResourceDef, object: KubeObj }

export interface ObjectRef { kind: string, namespace?: string, name: string }

export class StoreError extends Error {
  constructor (message: string, readonly code: number, readonly reason: string) { super(message) }
}

export interface StoreOptions {
  /** Events kept for resuming watches; older ones are compacted away (default 10,000). */
  historyLimit?: number
}

export class FakeStore {
  private rv = 1
  /** Watches may resume from any version >= this one; older ones get 410 Gone. */
  private compactedRv = 1
  private readonly objects = new Map<string, { def: ResourceDef, obj: KubeObj }>()
  private readonly history: StoreEvent[] = []
  private readonly historyLimit: number
  private readonly listeners = new Set<(e: StoreEvent) => void>()

  constructor (opts: StoreOptions = {}) {
    this.historyLimit = opts.historyLimit ?? 10_000
  }

  get resourceVersion (): number { return this.rv }
  get oldestResumableRv (): number { return this.compactedRv }

  onEvent (fn: (e: StoreEvent) => void): () => void {
    this.listeners.add(fn)
    return () => this.listeners.delete(fn)
  }

  add (input: KubeObj): KubeObj {
    const def = defOf(input.kind)
    const key = keyOf(def, input.metadata.namespace, input.metadata.name)
    if (this.objects.has(key)) throw new StoreError(`${def.plural} "${input.metadata.name}" already exists`, 409, 'AlreadyExists')
    const obj = this.stamp(def, input)
    obj.metadata.uid ??= randomUUID()
    obj.metadata.creationTimestamp ??= new Date().toISOString().replace(/\.\d+Z$/, 'Z')
    this.objects.set(key, { def, obj })
    this.keyIndex.delete(def)
    this.emit('ADDED', def, obj)
    return structuredClone(obj)
  }

  update (input: KubeObj): KubeObj {
    const def = defOf(input.kind)
    const key = keyOf(def, input.metadata.namespace, input.metadata.name)
    const old = this.objects.get(key)
    if (!old) throw new StoreError(`${def.plural} "${input.metadata.name}" not found`, 404, 'NotFound')
    const obj = this.stamp(def, input)
    obj.metadata.uid = old.obj.metadata.uid
    obj.metadata.creationTimestamp = old.obj.metadata.creationTimestamp
    this.objects.set(key, { def, obj })
    this.emit('MODIFIED', def, obj)
    return structuredClone(obj)
  }

  remove (ref: ObjectRef | KubeObj): KubeObj {
    const kind = ref.kind
    const name = 'metadata' in ref ? ref.metadata.name : ref.name
    const namespace = 'metadata' in ref ? ref.metadata.namespace : ref.namespace
    const def = defOf(kind)
    const key = keyOf(def, namespace, name)
    const old = this.objects.get(key)
    if (!old) throw new StoreError(`${def.plural} "${name}" not found`, 404, 'NotFound')
    this.objects.delete(key)
    this.keyIndex.delete(def)
    const obj = structuredClone(old.obj)
    obj.metadata.resourceVersion = String(++this.rv)
    this.emit('DELETED', def, obj)
    return structuredClone(obj)
  }

  get (def: ResourceDef, namespace: string | undefined, name: string): KubeObj | undefined {
    const hit = this.objects.get(keyOf(def, def.namespaced ? namespace : undefined, name))
    return hit ? structuredClone(hit.obj) : undefined
  }

  /** Objects of one resource, sorted by namespace then name in etcd's (bytewise) key order; copies. */
  list (def: ResourceDef, namespace?: string): KubeObj[] {
    return this.page(def, namespace, () => true).items.map((o) => structuredClone(o))
  }

  /**
   * One page of a list: the objects of `def` (in `namespace`) that `match`, in key order, after the
   * key `after` (a continue token's), at most `limit`; `last` is the key to continue after when more
   * remain. The objects are the store's own: read them, never change them. O(log n + page) on a
   * sorted key index kept per resource and rebuilt only after an add or remove of that resource, so
   * listing 100,000 pods 500 at a time does not sort (or copy) them all for every page.
   */
  page (def: ResourceDef, namespace: string | undefined, match: (o: KubeObj) => boolean, after?: string, limit = Infinity): { items: KubeObj[], last?: string } {
    const keys = this.sortedKeys(def)
    let i = 0
    if (after !== undefined) {
      let hi = keys.length
      while (i < hi) { const mid = (i + hi) >>> 1; if ((keys[mid] as string) <= after) i = mid + 1; else hi = mid }
    }
    const items: KubeObj[] = []
    for (; i < keys.length; i++) {
      const obj = this.objects.get(keys[i] as string)?.obj
      if (obj === undefined || (namespace !== undefined && obj.metadata.namespace !== namespace) || !match(obj)) continue
      if (items.length === limit) return { items, last: keys[i - 1] }
      items.push(obj)
    }
    return { items }
  }

  private readonly keyIndex = new Map<ResourceDef, string[]>()
  private sortedKeys (def: ResourceDef): string[] {
    let keys = this.keyIndex.get(def)
    if (keys === undefined) {
      keys = []
      for (const [key, { def: d }] of this.objects) if (d === def) keys.push(key)
      keys.sort((a, b) => a < b ? -1 : a > b ? 1 : 0)
      this.keyIndex.set(def, keys)
    }
    return keys
  }

  /** Events with rv > `after`, or undefined when some of them were compacted away (410 Gone). */
  eventsAfter (after: number): StoreEvent[] | undefined {
    if (after < this.compactedRv) return undefined
    return this.history.filter((e) => e.rv > after)
  }

  /** Forgets every kept event: a watch from any version older than the current one gets 410. */
  expireHistory (): void {
    this.history.length = 0
    this.compactedRv = this.rv
  }

  private stamp (def: ResourceDef, input: KubeObj): KubeObj {
    const obj = structuredClone(input)
    obj.apiVersion = apiVersionOf(def)
    obj.kind = def.kind
    if (!def.namespaced) delete obj.metadata.namespace
    obj.metadata.resourceVersion = String(++this.rv)
    return obj
  }

  private emit (type: EventType, def: ResourceDef, obj: KubeObj): void {
    const event: StoreEvent = { rv: this.rv, type, def, object: structuredClone(obj) }
    this.history.push(event)
    if (this.history.length > this.historyLimit) {
      const dropped = this.history.splice(0, this.history.length - this.historyLimit)
      this.compactedRv = dropped[dropped.length - 1]?.rv ?? this.compactedRv
    }
    for (const fn of this.listeners) fn(event)
  }
}

function defOf (kind: string | undefined): ResourceDef {
  const def = kind === undefined ? undefined : resourceByKind(kind)
  if (!def) throw new StoreError(`the fake API server does not serve kind ${String(kind)}`, 400, 'BadRequest')
  return def
}

function keyOf (def: ResourceDef, namespace: string | undefined, name: string): string {
  return `${def.plural}/${def.namespaced ? namespace ?? '' : ''}/${name}`
}

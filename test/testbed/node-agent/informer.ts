/**
 * List, then watch from the list's resourceVersion (bookmarks on), re-listing after a 410 or any
 * failure: a cache of one collection that calls back with what changed. The node agent's only
 * way to read the API, like client-go's informers in the kubelet and kube-proxy.
 */
import type { KubeClient, KubeObject } from '../control-plane/kube-http.js'

export type ChangeType = 'ADDED' | 'MODIFIED' | 'DELETED'

export interface Informer {
  store: Map<string, KubeObject>
  synced: Promise<void>
  stop: () => void
}

const keyOf = (o: KubeObject): string => `${o.metadata.namespace ?? ''}/${o.metadata.name}`

export function startInformer (client: KubeClient, collection: string, onChange: (type: ChangeType, obj: KubeObject) => void, log: (msg: string) => void): Informer {
  const store = new Map<string, KubeObject>()
  const abort = new AbortController()
  let markSynced: () => void = () => {}
  const synced = new Promise<void>((resolve) => { markSynced = resolve })
  const sep = collection.includes('?') ? '&' : '?'

  const loop = async (): Promise<void> => {
    while (!abort.signal.aborted) {
      try {
        const list = await client.get<{ metadata: { resourceVersion: string }, items: KubeObject[] }>(collection)
        const seen = new Set<string>()
        for (const item of list.items) {
          const k = keyOf(item)
          seen.add(k)
          const had = store.get(k)
          store.set(k, item)
          if (had === undefined) onChange('ADDED', item)
          else if (had.metadata.resourceVersion !== item.metadata.resourceVersion) onChange('MODIFIED', item)
        }
        for (const [k, obj] of [...store]) if (!seen.has(k)) { store.delete(k); onChange('DELETED', obj) }
        markSynced()
        let rv = list.metadata.resourceVersion
        let gone = false
        while (!abort.signal.aborted && !gone) {
          await client.watch(`${collection}${sep}watch=1&allowWatchBookmarks=true&timeoutSeconds=240&resourceVersion=${rv}`, (e) => {
            if (e.type === 'ERROR') { gone = true; return }
            rv = e.object.metadata.resourceVersion ?? rv
            if (e.type === 'BOOKMARK') return
            const k = keyOf(e.object)
            if (e.type === 'DELETED') store.delete(k)
            else store.set(k, e.object)
            onChange(e.type as ChangeType, e.object)
          }, abort.signal)
        }
      } catch (err) {
        if (abort.signal.aborted) return
        log(`informer ${collection}: ${(err as Error).message}; listing again in 1s`)
        await new Promise((resolve) => setTimeout(resolve, 1000))
      }
    }
  }
  void loop()
  return { store, synced, stop: () => abort.abort() }
}

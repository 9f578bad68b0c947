/**
 * A fake Kubernetes API server on 127.0.0.1:<port 0> that speaks enough of the real REST protocol for
 * @kubernetes/client-node informers and the real kubectl: legacy discovery, list (with limit/continue),
 * get, label/field selectors, chunked watch with history, bookmarks, timeouts and 410 Gone, plus fault
 * injection for reliability tests. Read-only over HTTP; tests change state through the object API.
 *
 * NOT the cluster the product is tested on: that is the real control plane (control-plane/, cluster/,
 * test/e2e/stack.ts), which every e2e suite and the reliability suite's process tests use. This fake
 * stays only where a real API server cannot be made to do the job:
 *  - faults on cue: test/mapper/kube/informers.test.ts and test/reliability/k8s-faults.test.ts cut
 *    watches mid-stream, answer 500 to the next N requests, stall a watch with its connection open,
 *    expire history at an exact moment, refuse watches while lists are served (cutWatches, failNext,
 *    stallWatches, expireHistory, refuseWatches). The real 410 after an etcd compaction and an API
 *    server restart is in test/e2e/cluster-events.test.ts, real refusals by RBAC in degraded-rbac;
 *  - test/cli/port-forward.test.ts and port-forward-errors.test.ts: the CLI's discovery and
 *    port-forward edge cases in one process (an API server that never answers, upgrades refused on
 *    cue, a mapper Service whose pod is a local port, Services in several namespaces); the real path
 *    (kubectl, the API server's pods/portforward, the node agent's kubelet port) is
 *    test/e2e/kubectl-plugin.test.ts;
 *  - scale: bench/ (cluster, query, soak) hold thousands of nodes' and pods' objects;
 *  - not moved yet: test/images/images.image-test.ts runs the mapper image against it (the image
 *    test builds no cluster); test/reliability/sniffer-health-flood.test.ts (through
 *    test/e2e/fake-api-stack.ts) floods its own bundled sniffer process in the older single-node
 *    testbed from every pod.
 * node-agent/kubelet-server.ts shares only its port-forward protocol code (fake-apiserver-portforward.ts).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { writeFile } from 'node:fs/promises'
import { coreVersions, groupList, resourceByKind, resourceByPath, resourceList, versionInfo, type ResourceDef } from './fake-apiserver-resources.js'
import { parseFieldSelector, parseLabelSelector, SelectorError, type Matcher } from './fake-apiserver-selectors.js'
import { FakeStore, StoreError, type KubeObj, type ObjectRef } from './fake-apiserver-store.js'
import { continueToken, kubeconfigText, listBody, pageQuery, statusBody, tableBody, wantsTable } from './fake-apiserver-bodies.js'
import { createPortForwardHandler, rejectUpgrade } from './fake-apiserver-portforward.js'

export type { KubeObj, ObjectRef } from './fake-apiserver-store.js'

export interface FakeApiServerOptions {
  /** How often watches that asked for bookmarks get one (default 60 s, like the real server). */
  bookmarkIntervalMs?: number
  /** Events kept for resuming watches (default 10,000). */
  historyLimit?: number
}

export interface FakeApiServer {
  url: string
  add: (obj: KubeObj) => KubeObj
  update: (obj: KubeObj) => KubeObj
  remove: (ref: KubeObj | ObjectRef) => KubeObj
  load: (objs: KubeObj[]) => void
  get: (ref: ObjectRef) => KubeObj | undefined
  resourceVersion: () => number
  writeKubeconfig: (path: string) => Promise<void>
  /** Destroys the sockets of every open watch, mid-stream. */
  cutWatches: () => number
  /** The next `n` requests (any path) answer `status` with a Status body. */
  failNext: (n: number, status?: number) => void
  /**
   * While `n` > 0, the next `n` watch requests (lists are served) answer 403 Forbidden, as a real API
   * server does while its RBAC cache is still filling after a restart, or RBAC without `watch`;
   * `Infinity` until called again with 0.
   */
  refuseWatches: (n: number) => void
  /** While on, watches (open ones and new ones) get headers but never an event or bookmark again. */
  stallWatches: (on: boolean) => void
  /** Compacts the event history: a watch from any older resourceVersion gets 410 Gone. */
  expireHistory: () => void
  /** Requests served per path; watches are counted under `<path>?watch`. */
  requestCounts: () => Record<string, number>
  requestCount: (path: string, opts?: { watch?: boolean }) => number
  openWatches: () => number
  /** While set, every pods/portforward upgrade is refused with this HTTP status (403 by default). */
  refusePortForwards: (status?: number | false) => void
  /** Port-forward WebSockets accepted so far, and TCP connections to pods open now. */
  portForwards: () => { opened: number, active: number }
  close: () => Promise<void>
}

interface Watcher {
  def: ResourceDef
  namespace: string | undefined
  match: Matcher
  res: ServerResponse
  stalled: boolean
  close: () => void
}

export async function startFakeApiServer (opts: FakeApiServerOptions = {}): Promise<FakeApiServer> {
  const bookmarkIntervalMs = opts.bookmarkIntervalMs ?? 60_000
  const store = new FakeStore({ historyLimit: opts.historyLimit })
  const watchers = new Set<Watcher>()
  const counts = new Map<string, number>()
  const sockets = new Set<Socket>()
  let failures = { left: 0, status: 500 }
  let watchRefusals = 0
  let stalled = false
  let forwardRefusal: number | undefined

  const send = (res: ServerResponse, code: number, body: object): void => {
    const text = JSON.stringify(body)
    res.writeHead(code, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) })
    res.end(text)
  }

  const writeEvent = (w: Watcher, type: string, object: object): void => {
    if (!w.stalled && !w.res.writableEnded) w.res.write(JSON.stringify({ type, object }) + '\n')
  }

  store.onEvent((e) => {
    for (const w of watchers) {
      if (w.def !== e.def) continue
      if (w.namespace !== undefined && e.object.metadata.namespace !== w.namespace) continue
      if (w.match(e.object.metadata)) writeEvent(w, e.type, e.object)
    }
  })

  const watch = (res: ServerResponse, def: ResourceDef, namespace: string | undefined, match: Matcher, q: URLSearchParams): void => {
    const fromParam = q.get('resourceVersion') ?? ''
    res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-cache, private', 'transfer-encoding': 'chunked' })
    res.flushHeaders()
    const timers: NodeJS.Timeout[] = []
    const w: Watcher = {
      def,
      namespace,
      match,
      res,
      stalled,
      close: () => { for (const t of timers) clearInterval(t); watchers.delete(w) }
    }
    res.on('close', w.close)
    if (fromParam === '' || fromParam === '0') {
      for (const obj of store.page(def, namespace, (o) => match(o.metadata)).items) writeEvent(w, 'ADDED', obj)
    } else {
      const from = Number(fromParam)
      const events = Number.isInteger(from) ? store.eventsAfter(from) : undefined
      if (events === undefined) {
        const message = Number.isInteger(from)
          ? `too old resource version: ${from} (${store.oldestResumableRv})`
          : `invalid resource version: ${fromParam}`
        writeEvent(w, 'ERROR', statusBody(410, 'Expired', message))
        res.end()
        return
      }
      for (const e of events) {
        if (e.def !== def || (namespace !== undefined && e.object.metadata.namespace !== namespace)) continue
        if (match(e.object.metadata)) writeEvent(w, e.type, e.object)
      }
    }
    watchers.add(w)
    if (q.get('allowWatchBookmarks') === 'true') {
      timers.push(setInterval(() => {
        writeEvent(w, 'BOOKMARK', { kind: def.kind, apiVersion: def.group === '' ? def.version : `${def.group}/${def.version}`, metadata: { resourceVersion: String(store.resourceVersion) } })
      }, bookmarkIntervalMs))
    }
    const timeoutSeconds = Number(q.get('timeoutSeconds') ?? '')
    if (Number.isFinite(timeoutSeconds) && timeoutSeconds > 0) {
      // A stalled watch is a dead connection: it does not even end on time.
      timers.push(setTimeout(() => { if (!w.stalled) res.end() }, timeoutSeconds * 1000))
    }
  }

  const serveResource = (req: IncomingMessage, res: ServerResponse, group: string, version: string, rest: string[], q: URLSearchParams): void => {
    let namespace: string | undefined
    let plural: string | undefined
    let name: string | undefined
    if (rest[0] === 'namespaces' && rest.length >= 3) [, namespace, plural, name] = rest
    else [plural, name] = rest
    if (rest.length > 4 || (rest[0] !== 'namespaces' && rest.length > 2)) return send(res, 404, statusBody(404, 'NotFound', 'the server could not find the requested resource'))
    const def = plural === undefined ? undefined : resourceByPath(group, version, plural)
    if (!def || (namespace !== undefined && !def.namespaced)) return send(res, 404, statusBody(404, 'NotFound', 'the server could not find the requested resource'))
    if (req.method !== 'GET') return send(res, 405, statusBody(405, 'MethodNotAllowed', 'the fake API server is read-only over HTTP'))
    if (name !== undefined) {
      const obj = store.get(def, namespace, name)
      if (!obj) return send(res, 404, statusBody(404, 'NotFound', `${def.plural} "${name}" not found`, { name, kind: def.plural }))
      return send(res, 200, obj)
    }
    let match: Matcher
    try {
      const labels = parseLabelSelector(q.get('labelSelector'))
      const fields = parseFieldSelector(q.get('fieldSelector'))
      match = (m) => labels(m) && fields(m)
    } catch (err) {
      if (err instanceof SelectorError) return send(res, 400, statusBody(400, 'BadRequest', err.message))
      throw err
    }
    if (q.get('watch') === 'true' || q.get('watch') === '1') return watch(res, def, namespace, match, q)
    const { after, limit } = pageQuery(q)
    const page = store.page(def, namespace, (o) => match(o.metadata), after, limit)
    const rv = String(store.resourceVersion)
    const next = continueToken(page.last)
    if (wantsTable(req.headers.accept)) return send(res, 200, tableBody(page.items, rv, next))
    send(res, 200, listBody(def, page.items, rv, next))
  }

  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const url = new URL(req.url ?? '/', 'http://fake')
    const q = url.searchParams
    const key = url.pathname + (q.get('watch') === 'true' ? '?watch' : '')
    counts.set(key, (counts.get(key) ?? 0) + 1)
    if (failures.left > 0) {
      failures.left--
      return send(res, failures.status, statusBody(failures.status, failures.status === 503 ? 'ServiceUnavailable' : 'InternalError', 'injected failure'))
    }
    if (watchRefusals > 0 && q.get('watch') === 'true') {
      watchRefusals--
      return send(res, 403, statusBody(403, 'Forbidden', 'injected: watch is forbidden'))
    }
    const seg = url.pathname.split('/').filter((s) => s !== '')
    const [a, b, c] = seg
    if (a === 'version' && seg.length === 1) return send(res, 200, versionInfo())
    if ((a === 'healthz' || a === 'readyz' || a === 'livez') && seg.length === 1) { res.writeHead(200, { 'content-type': 'text/plain' }); res.end('ok'); return }
    if (a === 'api' && seg.length === 1) return send(res, 200, coreVersions())
    if (a === 'apis' && seg.length === 1) return send(res, 200, groupList())
    if (a === 'api' && b !== undefined && seg.length === 2) {
      const doc = resourceList('', b)
      return doc ? send(res, 200, doc) : send(res, 404, statusBody(404, 'NotFound', 'the server could not find the requested resource'))
    }
    if (a === 'apis' && b !== undefined && c !== undefined && seg.length === 3) {
      const doc = resourceList(b, c)
      return doc ? send(res, 200, doc) : send(res, 404, statusBody(404, 'NotFound', 'the server could not find the requested resource'))
    }
    if (a === 'api' && b !== undefined) return serveResource(req, res, '', b, seg.slice(2), q)
    if (a === 'apis' && b !== undefined && c !== undefined) return serveResource(req, res, b, c, seg.slice(3), q)
    send(res, 404, statusBody(404, 'NotFound', 'the server could not find the requested resource'))
  }

  const server = createServer((req, res) => {
    try {
      handle(req, res)
    } catch (err) {
      if (!res.headersSent) send(res, 500, statusBody(500, 'InternalError', String(err)))
      else res.destroy()
    }
  })
  const forwards = createPortForwardHandler({
    getPod: (namespace, name) => {
      const def = resourceByKind('Pod')
      return def ? store.get(def, namespace, name) : undefined
    },
    refusal: () => forwardRefusal
  })
  server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => {
    const path = new URL(req.url ?? '/', 'http://fake').pathname
    counts.set(path, (counts.get(path) ?? 0) + 1)
    try {
      if (!forwards.handle(req, socket, head)) rejectUpgrade(socket, 404, 'NotFound', 'the server could not find the requested resource')
    } catch (err) {
      rejectUpgrade(socket, 500, 'InternalError', String(err))
    }
  })
  server.on('connection', (s) => { sockets.add(s); s.on('close', () => sockets.delete(s)) })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve())
  })
  const { port } = server.address() as AddressInfo
  const url = `http://127.0.0.1:${port}`

  const guard = <T>(fn: () => T): T => {
    try { return fn() } catch (err) {
      if (err instanceof StoreError) throw new Error(`fake-apiserver: ${err.message} (${err.code} ${err.reason})`)
      throw err
    }
  }

  return {
    url,
    add: (obj) => guard(() => store.add(obj)),
    update: (obj) => guard(() => store.update(obj)),
    remove: (ref) => guard(() => store.remove(ref)),
    load: (objs) => { for (const o of objs) guard(() => store.add(o)) },
    get: ({ kind, namespace, name }) => {
      const def = resourceByKind(kind)
      return def ? store.get(def, namespace, name) : undefined
    },
    resourceVersion: () => store.resourceVersion,
    writeKubeconfig: async (path) => { await writeFile(path, kubeconfigText(url)) },
    cutWatches: () => {
      const open = [...watchers]
      for (const w of open) { w.close(); w.res.socket?.destroy() }
      return open.length
    },
    failNext: (n, status = 500) => { failures = { left: n, status } },
    refuseWatches: (n) => { watchRefusals = n },
    stallWatches: (on) => {
      stalled = on
      if (on) for (const w of watchers) w.stalled = true
    },
    expireHistory: () => store.expireHistory(),
    requestCounts: () => Object.fromEntries(counts),
    requestCount: (path, o) => counts.get(path + (o?.watch === true ? '?watch' : '')) ?? 0,
    openWatches: () => watchers.size,
    refusePortForwards: (status = 403) => { forwardRefusal = status === false ? undefined : status },
    portForwards: () => ({ opened: forwards.opened(), active: forwards.active() }),
    close: async () => {
      for (const w of [...watchers]) w.close()
      forwards.closeAll()
      const closed = new Promise<void>((resolve) => server.close(() => resolve()))
      for (const s of sockets) s.destroy()
      await closed
    }
  }
}

/** Response bodies of the fake API server: lists, Status, Table, pagination, and its kubeconfig. */
import { apiVersionOf, type ResourceDef } from './fake-apiserver-resources.js'
import type { KubeObj } from './fake-apiserver-store.js'

export function statusBody (code: number, reason: string, message: string, details?: object): object {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, ...(details ? { details } : {}), code }
}

/** A `<Kind>List`; like the real server, items carry no kind/apiVersion of their own. */
export function listBody (def: ResourceDef, items: KubeObj[], resourceVersion: string, next?: string): object {
  return {
    kind: `${def.kind}List`,
    apiVersion: apiVersionOf(def),
    metadata: { resourceVersion, ...(next !== undefined ? { continue: next } : {}) },
    items: items.map(({ kind: _k, apiVersion: _a, ...rest }) => rest)
  }
}

/** `limit` + `continue`: the token is the last key of the page before, base64-encoded (the key to list after). */
export function pageQuery (q: URLSearchParams): { after?: string, limit?: number } {
  const cont = q.get('continue')
  const limit = Number(q.get('limit') ?? '')
  return {
    after: cont ? Buffer.from(cont, 'base64').toString('utf8') : undefined,
    limit: Number.isInteger(limit) && limit > 0 ? limit : undefined
  }
}

export const continueToken = (lastKey: string | undefined): string | undefined => lastKey === undefined ? undefined : Buffer.from(lastKey).toString('base64')

/** kubectl asks for server-side printing with `Accept: application/json;as=Table;v=v1;g=meta.k8s.io,...`. */
export function wantsTable (accept: string | undefined): boolean {
  return accept !== undefined && /as=Table;v=v1;g=meta\.k8s\.io/.test(accept)
}

export function tableBody (items: KubeObj[], resourceVersion: string, next?: string): object {
  const now = Date.now()
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: { resourceVersion, ...(next !== undefined ? { continue: next } : {}) },
    columnDefinitions: [
      { name: 'Name', type: 'string', format: 'name', description: 'Name of the object', priority: 0 },
      { name: 'Age', type: 'string', format: '', description: 'Time since creation', priority: 0 }
    ],
    rows: items.map((o) => ({
      cells: [o.metadata.name, age(now, o.metadata.creationTimestamp)],
      object: { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: o.metadata }
    }))
  }
}

function age (now: number, created: string | undefined): string {
  const t = created === undefined ? NaN : Date.parse(created)
  if (!Number.isFinite(t)) return '<unknown>'
  const s = Math.max(0, Math.round((now - t) / 1000))
  return s < 120 ? `${s}s` : s < 7200 ? `${Math.floor(s / 60)}m` : `${Math.floor(s / 3600)}h`
}

/** JSON is YAML: kubectl and client-node both read this. Plain http needs insecure-skip-tls-verify. */
export function kubeconfigText (server: string): string {
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'fake', cluster: { server, 'insecure-skip-tls-verify': true } }],
    users: [{ name: 'fake', user: { token: 'fake-token' } }],
    contexts: [{ name: 'fake', context: { cluster: 'fake', user: 'fake' } }],
    'current-context': 'fake'
  }, null, 2) + '\n'
}

/**
 * Objects as the informers keep them: only the fields the mapper reads (objects.ts), dropped as each
 * list page and watch event is parsed, before ListWatch caches the object. A real pod is 5-15 KB of
 * JSON (managedFields, conditions, container statuses, env, volumes, tolerations), and ListWatch
 * holds every object of every kind for as long as it lives: 100,000 pods kept whole are gigabytes of
 * heap. What stays: metadata the index and ListWatch use (name, namespace, uid, resourceVersion,
 * labels, owner references, timestamps, and podmap's own annotation), and per kind the spec and
 * status fields of objects.ts. NetworkPolicies keep their whole spec (shadow mode evaluates it).
 * Kinds not listed here are kept as they came.
 *
 * Once the index has read an object (the sink runs synchronously in ListWatch's event), the cached
 * copy is cut again to what ListWatch and a later delete need (`keepIdentityOnly`: name, namespace,
 * uid, resourceVersion): the index holds what it uses in its own form, so the cache holds no second
 * copy. NetworkPolicies stay whole: the index keeps the object itself.
 */
import { WORKLOAD_NAME_ANNOTATION } from './workload.js'

type Json = Record<string, unknown>

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v)
const list = (v: unknown): unknown[] => Array.isArray(v) ? v : []
/** `o` with only `keys` (those present). */
function pick (o: unknown, keys: readonly string[]): Json | undefined {
  if (!isObject(o)) return undefined
  const out: Json = {}
  for (const k of keys) if (o[k] !== undefined) out[k] = o[k]
  return out
}

const META_KEYS = ['name', 'namespace', 'uid', 'resourceVersion', 'labels', 'creationTimestamp', 'deletionTimestamp'] as const
const OWNER_KEYS = ['apiVersion', 'kind', 'name', 'uid', 'controller'] as const

function slimMeta (m: unknown): Json | undefined {
  if (!isObject(m)) return undefined
  const out = pick(m, META_KEYS) as Json
  if (Array.isArray(m.ownerReferences)) out.ownerReferences = m.ownerReferences.map((r) => pick(r, OWNER_KEYS))
  if (isObject(m.annotations) && typeof m.annotations[WORKLOAD_NAME_ANNOTATION] === 'string') {
    out.annotations = { [WORKLOAD_NAME_ANNOTATION]: m.annotations[WORKLOAD_NAME_ANNOTATION] }
  }
  return out
}

function slimPod (o: Json): Json {
  const spec = isObject(o.spec) ? o.spec : {}
  const status = isObject(o.status) ? o.status : {}
  const containers = list(spec.containers)
    .filter((c) => isObject(c) && Array.isArray(c.ports) && c.ports.length > 0)
    .map((c) => ({ ports: list((c as Json).ports).map((p) => pick(p, ['name', 'containerPort', 'protocol'])) }))
  return {
    spec: { ...pick(spec, ['nodeName', 'hostNetwork', 'hostname', 'subdomain']), containers },
    status: { ...pick(status, ['phase', 'podIP', 'startTime']), ...(Array.isArray(status.podIPs) ? { podIPs: status.podIPs.map((p) => pick(p, ['ip'])) } : {}) }
  }
}

function slimService (o: Json): Json {
  const spec = isObject(o.spec) ? o.spec : {}
  const ingress = isObject(o.status) && isObject(o.status.loadBalancer) ? list(o.status.loadBalancer.ingress).map((i) => pick(i, ['ip'])) : undefined
  return {
    spec: { ...pick(spec, ['type', 'clusterIP', 'clusterIPs', 'externalIPs', 'selector']), ...(Array.isArray(spec.ports) ? { ports: spec.ports.map((p) => pick(p, ['name', 'port', 'targetPort', 'nodePort', 'protocol'])) } : {}) },
    ...(ingress !== undefined ? { status: { loadBalancer: { ingress } } } : {})
  }
}

function slimSlice (o: Json): Json {
  return {
    addressType: o.addressType,
    endpoints: list(o.endpoints).map((e) => isObject(e) ? { addresses: e.addresses, ...(isObject(e.targetRef) ? { targetRef: pick(e.targetRef, ['kind', 'name', 'namespace', 'uid']) } : {}) } : e),
    ports: list(o.ports).map((p) => pick(p, ['name', 'port', 'protocol']))
  }
}

function slimNode (o: Json): Json {
  const status = isObject(o.status) ? o.status : {}
  return {
    spec: pick(o.spec, ['podCIDR', 'podCIDRs']),
    status: Array.isArray(status.addresses) ? { addresses: status.addresses.map((a) => pick(a, ['type', 'address'])) } : {}
  }
}

const BY_KIND: Record<string, ((o: Json) => Json) | undefined> = {
  Pod: slimPod,
  Service: slimService,
  EndpointSlice: slimSlice,
  Node: slimNode,
  NetworkPolicy: (o) => ({ spec: o.spec }),
  Namespace: () => ({}),
  ReplicaSet: () => ({}),
  Deployment: () => ({}),
  StatefulSet: () => ({}),
  DaemonSet: () => ({}),
  Job: () => ({}),
  CronJob: () => ({})
}

/** `obj` (of `kind`) with only what the mapper reads; anything not an object, or of another kind, as it came. */
export function slimObject<T> (kind: string, obj: T): T {
  const rest = BY_KIND[kind]
  if (rest === undefined || !isObject(obj)) return obj
  return { apiVersion: obj.apiVersion, kind: obj.kind, metadata: slimMeta(obj.metadata), ...rest(obj) } as T
}

const KEEPS_OBJECT = new Set(['NetworkPolicy'])

/** After the index has read `obj` (of `kind`): `obj` cut in place to its identity and version, unless the index keeps the object itself. */
export function keepIdentityOnly (kind: string, obj: unknown): void {
  if (KEEPS_OBJECT.has(kind) || !isObject(obj) || !isObject(obj.metadata)) return
  const m = obj.metadata
  obj.metadata = pick(m, ['name', 'namespace', 'uid', 'resourceVersion'])
  // Set to undefined, not deleted: a deleted property turns the object into a (larger) dictionary.
  for (const key of Object.keys(obj)) if (key !== 'metadata' && key !== 'kind' && key !== 'apiVersion') obj[key] = undefined
}

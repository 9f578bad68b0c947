/**
 * Finding the mapper through the Kubernetes API, as a kubectl user expects: the kubeconfig from
 * --kubeconfig / $KUBECONFIG / ~/.kube/config (and --context), the mapper Service by the chart's
 * labels (across namespaces unless --mapper-namespace names one; else `podmap-mapper` in `podmap`),
 * and a ready pod behind it (its EndpointSlices, else the Service selector) with the target port.
 */
import { CoreV1Api, DiscoveryV1Api, type KubeConfig, setHeaderMiddleware, type ConfigurationOptions, type ObservableMiddleware, type V1Pod, type V1Service, type V1ServicePort } from '@kubernetes/client-node'
import { KubeApiFailed, MapperNotFound } from '../src/errors/catalogue.js'


/** The chart's labels on the mapper Service (app.kubernetes.io/name may be overridden; part-of is not). */
export const MAPPER_SERVICE_SELECTOR = 'app.kubernetes.io/part-of=podmap,app.kubernetes.io/component=mapper'
export const DEFAULT_NAMESPACE = 'podmap'
export const DEFAULT_SERVICE = 'podmap-mapper'

export interface MapperTarget { namespace: string, service: string, pod: string, port: number }

/** One line for an error from client-node: the API's Status message, or the network error's code. */
export function describeKubeError (err: unknown): string {
  const e = err as { code?: unknown, body?: unknown, message?: string, cause?: { code?: string } }
  if (typeof e.code === 'number') {
    let message: string | undefined
    const body = typeof e.body === 'string' ? safeJson(e.body) : e.body
    if (body && typeof body === 'object' && typeof (body as { message?: unknown }).message === 'string') message = (body as { message: string }).message
    return `${e.code}${message ? ` ${message}` : ''}`
  }
  if (typeof e.code === 'string') return e.code
  return e.cause?.code ?? (e.message ?? String(err)).split('\n')[0] ?? ''
}

function safeJson (text: string): unknown {
  try { return JSON.parse(text) } catch { return undefined }
}

const statusOf = (err: unknown): number | undefined => {
  const code = (err as { code?: unknown }).code
  return typeof code === 'number' ? code : undefined
}

export interface FindMapperOptions {
  /** Where podmap is installed; undefined: search every namespace by label, then `podmap`. */
  namespace?: string
  /** Aborts every API request still in flight (client-node has no per-call timeout). */
  signal?: AbortSignal
}

export async function findMapper (kc: KubeConfig, opts: FindMapperOptions = {}): Promise<MapperTarget> {
  const core = kc.makeApiClient(CoreV1Api)
  const discovery = kc.makeApiClient(DiscoveryV1Api)
  const server = kc.getCurrentCluster()?.server ?? 'the cluster'
  // A middleware, after client-node's own, names the client and hands the signal to the fetch.
  const signal = opts.signal
  const ua = setHeaderMiddleware('User-Agent', 'podmap-cli')
  const tagged: ObservableMiddleware = { pre: (ctx) => { if (signal) ctx.setSignal(signal); return ua.pre(ctx) }, post: (ctx) => ua.post(ctx) }
  const o: ConfigurationOptions<ObservableMiddleware> = { middleware: [tagged], middlewareMergeStrategy: 'append' }
  const api = async <T>(what: string, call: () => Promise<T>): Promise<T> => {
    try { return await call() } catch (err) {
      throw KubeApiFailed(`cannot ${what} through the Kubernetes API at ${server}: ${describeKubeError(err)}`)
    }
  }
  const byName = async (namespace: string): Promise<V1Service[]> => {
    try { return [await core.readNamespacedService({ name: DEFAULT_SERVICE, namespace }, o)] } catch (err) {
      if (statusOf(err) === 404) return []
      throw KubeApiFailed(`cannot read Service ${namespace}/${DEFAULT_SERVICE} through the Kubernetes API at ${server}: ${describeKubeError(err)}`)
    }
  }

  let services: V1Service[]
  let searched: string
  if (opts.namespace !== undefined) {
    const namespace = opts.namespace
    services = (await api(`list Services in ${namespace}`, () => core.listNamespacedService({ namespace, labelSelector: MAPPER_SERVICE_SELECTOR }, o))).items
    if (services.length === 0) services = await byName(namespace)
    searched = `in namespace ${namespace} (label ${MAPPER_SERVICE_SELECTOR}, or named ${DEFAULT_SERVICE})`
  } else {
    try {
      services = (await core.listServiceForAllNamespaces({ labelSelector: MAPPER_SERVICE_SELECTOR }, o)).items
    } catch (err) {
      // A user allowed only some namespaces cannot list across all: fall back to the default one.
      if (statusOf(err) !== 403) throw KubeApiFailed(`cannot list Services through the Kubernetes API at ${server}: ${describeKubeError(err)}`)
      services = []
    }
    if (services.length === 0) services = await byName(DEFAULT_NAMESPACE)
    searched = `with label ${MAPPER_SERVICE_SELECTOR} in any namespace, nor ${DEFAULT_NAMESPACE}/${DEFAULT_SERVICE}`
  }
  if (services.length === 0) throw MapperNotFound(`no mapper Service found ${searched}: is podmap installed? (or pass --mapper-namespace or --mapper-url)`)
  if (services.length > 1) {
    const names = services.map((s) => `${s.metadata?.namespace ?? '?'}/${s.metadata?.name ?? '?'}`).sort()
    throw MapperNotFound(`${services.length} mapper Services found (${names.join(', ')}): choose one with --mapper-namespace`)
  }
  const svc = services[0] as V1Service
  const namespace = svc.metadata?.namespace ?? opts.namespace ?? DEFAULT_NAMESPACE
  const service = svc.metadata?.name ?? DEFAULT_SERVICE
  const svcPort = svc.spec?.ports?.find((p) => p.name === 'http') ?? svc.spec?.ports?.[0]
  if (!svcPort) throw MapperNotFound(`Service ${namespace}/${service} has no ports`)

  const slices = (await api(`list EndpointSlices of ${namespace}/${service}`, () =>
    discovery.listNamespacedEndpointSlice({ namespace, labelSelector: `kubernetes.io/service-name=${service}` }, o))).items
  const candidates: Array<{ pod: string, port: number }> = []
  for (const slice of slices) {
    const port = slice.ports?.find((p) => (p.name ?? '') === (svcPort.name ?? ''))?.port
    if (port === undefined) continue
    for (const ep of slice.endpoints) {
      if (ep.conditions?.ready === false || ep.targetRef?.kind !== 'Pod' || !ep.targetRef.name) continue
      candidates.push({ pod: ep.targetRef.name, port })
    }
  }
  if (candidates.length === 0) {
    const selector = Object.entries(svc.spec?.selector ?? {}).map(([k, v]) => `${k}=${v}`).join(',')
    if (selector !== '') {
      const pods = (await api(`list the pods of ${namespace}/${service}`, () => core.listNamespacedPod({ namespace, labelSelector: selector }, o))).items
      for (const pod of pods) {
        if (!isReady(pod) || !pod.metadata?.name) continue
        const port = targetPort(svcPort, pod)
        if (port !== undefined) candidates.push({ pod: pod.metadata.name, port })
      }
    }
  }
  candidates.sort((a, b) => a.pod.localeCompare(b.pod))
  const chosen = candidates[0]
  if (!chosen) throw MapperNotFound(`no ready pod behind Service ${namespace}/${service}: is the mapper running? (kubectl -n ${namespace} get pods)`)
  return { namespace, service, pod: chosen.pod, port: chosen.port }
}

function isReady (pod: V1Pod): boolean {
  if (pod.status?.phase !== 'Running' || pod.metadata?.deletionTimestamp) return false
  return pod.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false
}

/** The pod's port for a Service port: a number, a named container port, or the Service port itself. */
function targetPort (svcPort: V1ServicePort, pod: V1Pod): number | undefined {
  const target = svcPort.targetPort
  if (target === undefined || target === null) return svcPort.port
  if (typeof target === 'number') return target
  if (/^\d+$/.test(target)) return Number(target)
  for (const c of pod.spec?.containers ?? []) {
    const found = c.ports?.find((p) => p.name === target)
    if (found) return found.containerPort
  }
  return undefined
}

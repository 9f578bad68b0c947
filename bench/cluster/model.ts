/**
 * The simulated cluster of `npm run bench:cluster`: nodes, pods in Deployments behind ClusterIP
 * Services, and the churn a busy cluster sees (pods replaced with their addresses handed to the next
 * pod, Deployments rolled), kept as the API objects the fake API server serves and as the state the
 * simulated sniffers read (which pod runs where, which endpoints each Service has right now).
 *
 * Profile (BENCHMARKS.md says the same): `podsPerNode` pods per node (30), one Deployment and Service
 * per 10 pods, each workload depending on 5 Services. A pod holds 40 long-lived peer tuples: the 5
 * ClusterIPs on port 80 and 7 endpoints (pod IPs on 8080) of each dependency, as client-side load
 * balancing does. Freed pod IPs go to the back of a queue and the next new pod takes the oldest, so an
 * address changes owner within seconds, across workloads.
 */
import type { KubeObj } from '../../test/testbed/fake-apiserver.js'

export interface SimPod {
  index: number
  name: string
  uid: string
  ip: string
  node: number
  workload: number
  /** Refresh slot: the report tick (mod slots) at which this pod's tuples are sent again. */
  slot: number
  /** Not yet reported: sent at its node's next tick, whatever the slot. */
  fresh: boolean
}

export interface SimWorkload {
  index: number
  namespace: string
  name: string
  hash: string
  serviceIp: string
  deps: number[]
  /** Pods of this workload, in endpoint order (replacements take the same place). */
  pods: SimPod[]
}

export interface ChurnCounts { replaced: number, rolled: number }

const DEPS = 5
const ENDPOINTS_PER_DEP = 7
export const TUPLES_PER_POD = DEPS * (1 + ENDPOINTS_PER_DEP)

const ip4 = (base: number, i: number): string => `10.${base + (i >> 16)}.${(i >> 8) & 255}.${i & 255}`

export class SimCluster {
  readonly workloads: SimWorkload[] = []
  /** Pods per node, by node index. */
  readonly nodePods: SimPod[][]
  readonly objects: KubeObj[] = []
  private readonly freeIps: string[] = []
  private nextPod = 0
  private nextIp = 0
  readonly churn: ChurnCounts = { replaced: 0, rolled: 0 }

  constructor (readonly nodes: number, readonly podsPerNode: number, readonly slots: number) {
    const pods = nodes * podsPerNode
    const workloads = Math.max(1, Math.floor(pods / 10))
    const namespaces = Math.max(10, Math.ceil(nodes / 25))
    this.nodePods = Array.from({ length: nodes }, () => [])
    const created = new Date(Date.now() - 86_400_000).toISOString()
    for (let n = 0; n < namespaces; n++) this.objects.push({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: `ns-${n}`, uid: `ns-${n}`, labels: { 'kubernetes.io/metadata.name': `ns-${n}` } } })
    for (let n = 0; n < nodes; n++) {
      this.objects.push({ apiVersion: 'v1', kind: 'Node', metadata: { name: `node-${n}`, uid: `node-${n}` }, status: { addresses: [{ type: 'InternalIP', address: `192.168.${n >> 8}.${(n & 255) + 1}` }] } })
    }
    // A spare 1 % of addresses, so a freed address is reused by another pod a little later.
    for (let i = 0; i < Math.max(16, Math.ceil(pods / 100)); i++) this.freeIps.push(this.newIp())
    let node = 0
    for (let w = 0; w < workloads; w++) {
      const namespace = `ns-${w % namespaces}`
      const name = `app-${w}`
      const deps = Array.from({ length: DEPS }, (_v, j) => (w * 7 + j * 131 + 1) % workloads)
      const wl: SimWorkload = { index: w, namespace, name, hash: hashOf(w, 0), serviceIp: ip4(96, w + 10), deps, pods: [] }
      this.workloads.push(wl)
      this.objects.push({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name, namespace, uid: `d-${w}`, labels: { app: name } } })
      this.objects.push(this.replicaSet(wl))
      this.objects.push({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace, uid: `svc-${w}` }, spec: { clusterIP: wl.serviceIp, selector: { app: name }, ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' }] } })
      const count = w === workloads - 1 ? pods - 10 * (workloads - 1) : 10
      for (let k = 0; k < count; k++) {
        const pod = this.newPod(wl, node, created)
        node = (node + 1) % nodes
        wl.pods.push(pod)
        this.objects.push(this.podObject(wl, pod, created))
      }
    }
    for (const p of this.workloads.flatMap((w) => w.pods)) p.fresh = true
  }

  /** The pod's 40 peers: each dependency's ClusterIP on 80 and 7 of its current endpoints on 8080. */
  peers (pod: SimPod, out: Array<{ server: string, port: number }>): void {
    out.length = 0
    const wl = this.workloads[pod.workload] as SimWorkload
    for (const d of wl.deps) {
      const dep = this.workloads[d] as SimWorkload
      out.push({ server: dep.serviceIp, port: 80 })
      for (let k = 0; k < ENDPOINTS_PER_DEP; k++) {
        const ep = dep.pods[(pod.index * ENDPOINTS_PER_DEP + k) % dep.pods.length] as SimPod
        out.push({ server: ep.ip, port: 8080 })
      }
    }
  }

  /** Replaces `count` random pods (same node and ReplicaSet, new name, uid and address). */
  replacePods (count: number, random: () => number, api: { add: (o: KubeObj) => unknown, remove: (o: KubeObj) => unknown }): void {
    for (let i = 0; i < count; i++) {
      const wl = this.workloads[Math.floor(random() * this.workloads.length)] as SimWorkload
      this.replaceAt(wl, Math.floor(random() * wl.pods.length), api)
      this.churn.replaced++
    }
  }

  /** A rolling update: a new ReplicaSet, then every pod of the Deployment replaced by one of it. */
  roll (random: () => number, api: { add: (o: KubeObj) => unknown, remove: (o: KubeObj) => unknown }): void {
    const wl = this.workloads[Math.floor(random() * this.workloads.length)] as SimWorkload
    const old = this.replicaSet(wl)
    wl.hash = hashOf(wl.index, ++this.churn.rolled)
    api.add(this.replicaSet(wl))
    for (let k = 0; k < wl.pods.length; k++) this.replaceAt(wl, k, api)
    api.remove(old)
  }

  private replaceAt (wl: SimWorkload, k: number, api: { add: (o: KubeObj) => unknown, remove: (o: KubeObj) => unknown }): void {
    const old = wl.pods[k] as SimPod
    api.remove({ apiVersion: 'v1', kind: 'Pod', metadata: { name: old.name, namespace: wl.namespace } })
    this.freeIps.push(old.ip)
    const list = this.nodePods[old.node] as SimPod[]
    list.splice(list.indexOf(old), 1)
    const pod = this.newPod(wl, old.node, new Date().toISOString())
    wl.pods[k] = pod
    api.add(this.podObject(wl, pod, new Date().toISOString()))
  }

  private newPod (wl: SimWorkload, node: number, _created: string): SimPod {
    const index = this.nextPod++
    const ip = this.freeIps.shift() ?? this.newIp()
    const pod: SimPod = { index, name: `${wl.name}-${wl.hash}-${index.toString(36)}`, uid: `pod-${index}`, ip, node, workload: wl.index, slot: index % this.slots, fresh: true }
    ;(this.nodePods[node] as SimPod[]).push(pod)
    return pod
  }

  private newIp (): string { return ip4(1, 10 + this.nextIp++) }

  private replicaSet (wl: SimWorkload): KubeObj {
    return { apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: `${wl.name}-${wl.hash}`, namespace: wl.namespace, uid: `rs-${wl.index}-${wl.hash}`, labels: { app: wl.name, 'pod-template-hash': wl.hash }, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: wl.name, uid: `d-${wl.index}`, controller: true }] }, spec: { replicas: 10, selector: { matchLabels: { app: wl.name, 'pod-template-hash': wl.hash } }, template: { metadata: { labels: { app: wl.name, 'pod-template-hash': wl.hash } }, spec: podSpec(wl) } } }
  }

  /** A pod as an API server sends it (about 5 KB of JSON, like a small Deployment's pod with a sidecar): what the informers parse and, unless they slim it, keep. */
  private podObject (wl: SimWorkload, pod: SimPod, created: string): KubeObj {
    return {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name: pod.name, generateName: `${wl.name}-${wl.hash}-`, namespace: wl.namespace, uid: pod.uid, creationTimestamp: created,
        labels: { app: wl.name, 'pod-template-hash': wl.hash },
        annotations: { 'kubectl.kubernetes.io/restartedAt': created, 'prometheus.io/scrape': 'true', 'prometheus.io/port': '9090' },
        ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: `${wl.name}-${wl.hash}`, uid: `rs-${wl.index}-${wl.hash}`, controller: true, blockOwnerDeletion: true }],
        managedFields: managedFields(created)
      },
      spec: { ...podSpec(wl), nodeName: `node-${pod.node}` },
      status: {
        phase: 'Running', hostIP: `192.168.${pod.node >> 8}.${(pod.node & 255) + 1}`, podIP: pod.ip, podIPs: [{ ip: pod.ip }], startTime: created, qosClass: 'Burstable',
        conditions: ['PodReadyToStartContainers', 'Initialized', 'Ready', 'ContainersReady', 'PodScheduled'].map((type) => ({ type, status: 'True', lastProbeTime: null, lastTransitionTime: created })),
        containerStatuses: ['app', 'proxy'].map((name) => ({
          name, ready: true, restartCount: 0, started: true, state: { running: { startedAt: created } },
          image: `registry.invalid/${wl.namespace}/${name}:1.42.0`, imageID: `registry.invalid/${wl.namespace}/${name}@sha256:${pod.uid.padEnd(64, '0').slice(0, 64)}`, containerID: `containerd://${pod.uid.padEnd(64, 'f').slice(0, 64)}`
        }))
      }
    }
  }
}

function hashOf (w: number, generation: number): string {
  return ((0x5d8f7c9b6 + w * 7919 + generation * 104729) % 0xfffffffff).toString(16).padStart(9, '0').slice(0, 9)
}

/** The two field managers every pod has (the ReplicaSet controller's and the kubelet's), as FieldsV1. */
function managedFields (time: string): unknown[] {
  return [
    { manager: 'kube-controller-manager', operation: 'Update', apiVersion: 'v1', time, fieldsType: 'FieldsV1', fieldsV1: { 'f:metadata': { 'f:generateName': {}, 'f:labels': { '.': {}, 'f:app': {}, 'f:pod-template-hash': {} }, 'f:ownerReferences': { '.': {}, 'k:{"uid":"x"}': {} } }, 'f:spec': { 'f:containers': { 'k:{"name":"app"}': { '.': {}, 'f:env': {}, 'f:image': {}, 'f:imagePullPolicy': {}, 'f:name': {}, 'f:ports': {}, 'f:readinessProbe': {}, 'f:resources': {} }, 'k:{"name":"proxy"}': { '.': {}, 'f:args': {}, 'f:image': {}, 'f:name': {} } }, 'f:dnsPolicy': {}, 'f:restartPolicy': {}, 'f:schedulerName': {}, 'f:terminationGracePeriodSeconds': {} } } },
    { manager: 'kubelet', operation: 'Update', apiVersion: 'v1', time, fieldsType: 'FieldsV1', subresource: 'status', fieldsV1: { 'f:status': { 'f:conditions': { 'k:{"type":"ContainersReady"}': {}, 'k:{"type":"Initialized"}': {}, 'k:{"type":"Ready"}': {} }, 'f:containerStatuses': {}, 'f:hostIP': {}, 'f:phase': {}, 'f:podIP': {}, 'f:podIPs': { '.': {}, 'k:{"ip":"x"}': {} }, 'f:startTime': {} } } }
  ]
}

/** A workload's pod spec: an app container with env, probes and resources, a proxy sidecar, the service-account volume. */
function podSpec (wl: SimWorkload): Record<string, unknown> {
  return {
    serviceAccountName: wl.name, restartPolicy: 'Always', dnsPolicy: 'ClusterFirst', schedulerName: 'default-scheduler', terminationGracePeriodSeconds: 30, enableServiceLinks: true, preemptionPolicy: 'PreemptLowerPriority', priority: 0,
    containers: [
      {
        name: 'app', image: `registry.invalid/${wl.namespace}/app:1.42.0`, imagePullPolicy: 'IfNotPresent',
        ports: [{ name: 'http', containerPort: 8080, protocol: 'TCP' }, { name: 'metrics', containerPort: 9090, protocol: 'TCP' }],
        env: Array.from({ length: 10 }, (_, i) => ({ name: `${wl.name.toUpperCase().replaceAll('-', '_')}_SETTING_${i}`, value: `value-${i}` })),
        resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '256Mi' } },
        readinessProbe: { httpGet: { path: '/ready', port: 8080, scheme: 'HTTP' }, periodSeconds: 5, timeoutSeconds: 1, successThreshold: 1, failureThreshold: 3 },
        volumeMounts: [{ name: 'kube-api-access', mountPath: '/var/run/secrets/kubernetes.io/serviceaccount', readOnly: true }],
        terminationMessagePath: '/dev/termination-log', terminationMessagePolicy: 'File'
      },
      { name: 'proxy', image: `registry.invalid/${wl.namespace}/proxy:1.42.0`, args: ['--listen', ':15001', '--upstream', '127.0.0.1:8080'], resources: { requests: { cpu: '10m', memory: '32Mi' } }, terminationMessagePath: '/dev/termination-log', terminationMessagePolicy: 'File' }
    ],
    volumes: [{ name: 'kube-api-access', projected: { defaultMode: 420, sources: [{ serviceAccountToken: { expirationSeconds: 3607, path: 'token' } }, { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } }, { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } }] } }],
    tolerations: [{ key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 }, { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 }]
  }
}

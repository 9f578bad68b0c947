/**
 * Turns report records (IPs, DNS names) into calls between workload identities, using only the
 * informer-fed ClusterIndex. Every observation either becomes a call or is counted as unresolved
 * with a reason.
 */
import type { DnsRecord, SocketRecord } from '../../src/contract/report.js'
import type { Identity, Port } from '../../src/contract/map.js'
import type { ClusterIndex, PodInfo, ServiceInfo, ServicePort } from '../kube/cluster-index.js'
import { identityKey, type Call } from '../store/call.js'
import { ExternalNames } from './external-names.js'
import { refuseHostname, type NameRefusal } from './hostname.js'
import type { AddressCheck } from './cluster-addresses.js'
import type { AddressReason } from '../policy/special-address.js'

export type UnresolvedReason =
  | 'unknown-client' | 'unknown-endpoints' | 'unknown-cluster-name' | 'excluded-namespace' | 'hostnetwork-ambiguous'
  /** The server's side of a call from another node's own address: that node's sniffer reports the client's side. */
  | 'client-node-reports'
  /** A DNS answer to the cluster DNS server itself: a lookup it forwarded for a client, not a call of its own. */
  | 'resolver-lookup'
  /** An address of the pod or Service network that no pod or Service held, after a minute of retries (early-records.ts). */
  | 'unknown-cluster-address'

/** How recently a node must have reported for its sniffer to count as running (client-node-reports). */
const REPORTING_WITHIN_MS = 10 * 60_000

export interface ResolverOptions {
  clusterDomain: string
  excludeNamespaces: string[]
  onUnresolved: (reason: UnresolvedReason, count: number) => void
  /** A late owner revealed the real workload behind an identity already in the map. */
  onRekey?: (from: Identity, to: Identity) => void
  /** A record refused: one the reporting node could not have seen (the node proves itself; records must agree), or a DNS record whose external name is not a hostname (hostname.ts). */
  onRefused?: (reason: 'other-node' | 'clientpod-other-node' | NameRefusal, count: number) => void
  /** How long after an owner event provisional identities are re-walked (default 200 ms). */
  reconcileDelayMs?: number
  /** Which answers of an external name must not become its addresses (cluster-addresses.ts); all kept when omitted. */
  checkAddress?: AddressCheck
  /** An answer was dropped from an external name's addresses. */
  onAddressRefused?: (reason: AddressReason, count: number) => void
}

interface Endpoint { identity: Identity, pod?: PodInfo, inCluster: boolean }
/** A session's server: `viaClusterIp` when its address is a Service's (the node that saw it is the client's). */
type ServerEndpoint = Endpoint & { port: Port, viaClusterIp: boolean }

export class Resolver {
  readonly externalNames = new ExternalNames()
  private readonly domainSuffix: string
  private readonly excluded: Set<string>

  /** Identities resolved while an owner was missing: identity key -> a pod that produced it. */
  private readonly provisional = new Map<string, { pod: PodInfo, identity: Identity }>()

  constructor (private readonly index: ClusterIndex, private readonly opts: ResolverOptions) {
    this.domainSuffix = `.${opts.clusterDomain.replace(/\.$/, '').toLowerCase()}`
    this.excluded = new Set(opts.excludeNamespaces)
    index.workloads.on('provisional', (pod, workload) => {
      const identity: Identity = { kind: workload.kind, namespace: workload.namespace, name: workload.name }
      this.provisional.set(identityKey(identity), { pod, identity })
    })
    // Owners can arrive after their pods (informers sync in any order): re-walk provisional
    // identities once a burst of owner events has settled.
    index.workloads.on('owner', () => {
      if (this.reconcileTimer || this.provisional.size === 0) return
      this.reconcileTimer = setTimeout(() => { this.reconcileTimer = undefined; this.reconcile() }, opts.reconcileDelayMs ?? 200)
      this.reconcileTimer.unref()
    })
  }

  private reconcileTimer: NodeJS.Timeout | undefined

  /** Re-walks owners for identities resolved while an owner was missing; renames those that changed. */
  reconcile (): number {
    let renamed = 0
    for (const [key, { pod, identity }] of this.provisional) {
      const { complete, ...w } = this.index.workloads.walk(pod)
      const now: Identity = { kind: w.kind, namespace: w.namespace, name: w.name }
      if (identityKey(now) !== key) { this.opts.onRekey?.(identity, now); renamed++ }
      if (complete || identityKey(now) !== key) this.provisional.delete(key)
      if (!complete && identityKey(now) !== key) this.provisional.set(identityKey(now), { pod, identity: now })
    }
    return renamed
  }

  get provisionalCount (): number { return this.provisional.size }

  /**
   * A TCP/UDP session, reported by the sniffer on `node`: it must have been seen in a network
   * namespace of that node (its client or its server is a pod there, or the node itself), and a
   * hostNetwork `clientPod` must be a hostNetwork pod of that node; otherwise it is refused.
   * A session that cannot be settled yet goes to `early`, to be resolved again later
   * (early-records.ts): one naming a pod- or Service-network address nothing held yet (without
   * `early`, its last try, it is unresolved), or the server's end of a call from a node not heard
   * from yet (on its last try, the node's call).
   */
  socket (rec: SocketRecord, out: Call[], node?: string, early?: SocketRecord[]): void {
    const at = rec.lastSeen
    if (node !== undefined) this.noteReporting(node, at)
    const server = this.server(rec.server, rec.port, rec.protocol, at)
    const hostPod = this.hostNetworkPod(rec.clientPod?.uid)
    if (node !== undefined && rec.clientPod !== undefined && hostPod !== undefined && !(hostPod.pod?.hostNetwork === true && hostPod.pod.nodeName === node)) {
      return this.opts.onRefused?.('clientpod-other-node', rec.count)
    }
    const client = hostPod ?? this.endpoint(rec.client, at)
    if ((client === undefined && this.isClusterAddress(rec.client, at)) || (!server.inCluster && this.isClusterAddress(rec.server, at))) {
      if (early !== undefined) { early.push(rec); return }
      return this.unresolved('unknown-cluster-address', rec.count)
    }
    if (node !== undefined && !this.seenOn(node, client, server)) {
      return this.opts.onRefused?.('other-node', rec.count)
    }
    // Only the server's end was seen here (report version 3) and the client is another node's own
    // address: that node's sniffer saw the client's end and names it better (a hostNetwork pod by
    // its cgroup, not the node). One call, one edge (issue #11). A node not heard from yet (its
    // sniffer starting, or its report still on the way) is waited for; on the last try the call is
    // the node's, as from a node with no sniffer.
    if (rec.side === 'server' && hostPod === undefined && client?.identity.kind === 'Node' && client.identity.name !== node) {
      if (this.isReporting(client.identity.name, at)) return this.unresolved('client-node-reports', rec.count)
      if (early !== undefined) { early.push(rec); return }
    }
    if (!client && !server.inCluster) return this.unresolved('unknown-endpoints', rec.count)
    const clientId = client?.identity ?? this.named('External', rec.client)
    if (this.isExcluded(clientId) || this.isExcluded(server.identity)) return this.unresolved('excluded-namespace', rec.count)
    out.push({
      client: clientId,
      server: server.identity,
      port: server.port,
      evidence: rec.protocol === 'UDP' ? 'udp' : 'tcp',
      addresses: server.identity.kind === 'External' ? [rec.server] : undefined,
      first: rec.firstSeen,
      last: rec.lastSeen,
      count: rec.count
    })
  }

  /**
   * A DNS response, reported by the sniffer on `node`: the client asked for a name; a cluster name
   * names a workload, others are external. The client must be a pod of that node (or the node): the
   * node a response merely crossed leaves it to the client's node.
   */
  dns (rec: DnsRecord, out: Call[], node?: string): void {
    const at = rec.lastSeen
    const client = this.endpoint(rec.client, at)
    if (!client) return this.unresolved('unknown-client', rec.count)
    if (node !== undefined && !isOn(node, client)) return this.opts.onRefused?.('other-node', rec.count)
    if (node !== undefined) this.noteReporting(node, at)
    // CoreDNS forwarding a name upstream receives the answer too; the client it asked for has its own.
    if (this.isClusterDns(client.identity)) return this.unresolved('resolver-lookup', rec.count)
    const resolved = this.resolveName(rec.name, at)
    let server: Identity
    let answers: string[] | undefined
    if (resolved.cluster) {
      if (!resolved.server) return this.unresolved('unknown-cluster-name', rec.count)
      server = resolved.server
    } else {
      if (resolved.refused) { this.opts.onRefused?.(resolved.refused, rec.count); return }
      server = resolved.server as Identity
      answers = this.externalAnswers(rec.answers, at)
      for (const ip of answers) this.externalNames.remember(ip, resolved.name, at)
    }
    if (this.isExcluded(client.identity) || this.isExcluded(server)) return this.unresolved('excluded-namespace', rec.count)
    out.push({ client: client.identity, server, evidence: 'dns', addresses: answers, name: resolved.name, first: rec.firstSeen, last: rec.lastSeen, count: rec.count })
  }

  /**
   * The answers an external name may be known by: special addresses (loopback, link-local, the
   * cluster's pod and Service ranges, ...) are dropped and counted, so they never become its
   * addresses, an ipBlock, or the name of a later session to them.
   */
  private externalAnswers (answers: string[], at: number): string[] {
    const check = this.opts.checkAddress
    if (!check || answers.length === 0) return answers
    let kept: string[] | undefined
    for (let i = 0; i < answers.length; i++) {
      const reason = check(answers[i] as string, at)
      if (reason === undefined) { kept?.push(answers[i] as string); continue }
      this.opts.onAddressRefused?.(reason, 1)
      kept ??= answers.slice(0, i)
    }
    return kept ?? answers
  }

  /**
   * A queried name, normalised and classified (cluster or external), memoised: names repeat in every
   * report. Only the set of Services changes the classification (short forms `<svc>.<ns>`).
   */
  private readonly names = new Map<string, { version: number, name: string, cluster: boolean, refused?: NameRefusal }>()
  private resolveName (raw: string, at: number): { name: string, cluster: boolean, server?: Identity, refused?: NameRefusal } {
    let hit = this.names.get(raw)
    if (!hit || hit.version !== this.index.serviceSetVersion) {
      const name = raw.toLowerCase().replace(/\.$/, '')
      const cluster = this.isClusterName(name)
      hit = { version: this.index.serviceSetVersion, name, cluster, refused: cluster ? undefined : refuseHostname(name) }
      if (this.names.size >= 100_000) this.names.clear()
      this.names.set(raw, hit)
    }
    // The identity itself is not memoised here: the cluster index's per-key memos answer it, so a pod
    // or Service event elsewhere does not make every name resolve again.
    if (hit.refused) return { name: hit.name, cluster: false, refused: hit.refused }
    return { name: hit.name, cluster: hit.cluster, server: hit.cluster ? this.clusterName(hit.name, at) : this.named('External', hit.name) }
  }

  /** Whether `ip` is in the pod or Service network (so a pod or Service should hold it): never an External endpoint. */
  private isClusterAddress (ip: string, at: number): boolean {
    const reason = this.opts.checkAddress?.(ip, at)
    return reason === 'pod-network' || reason === 'service-network'
  }

  /** Whether a session was seen on `node`: its client there, or its server there when reached directly (not through a ClusterIP). */
  private seenOn (node: string, client: Endpoint | undefined, server: ServerEndpoint): boolean {
    if (client !== undefined && isOn(node, client)) return true
    return !server.viaClusterIp && isOn(node, server)
  }

  /** Nodes whose sniffers report (known nodes only, so bounded by the cluster): node -> latest record time. */
  private readonly reporting = new Map<string, number>()
  private noteReporting (node: string, at: number): void {
    const last = this.reporting.get(node)
    if (last !== undefined ? at > last : this.index.hasNode(node)) this.reporting.set(node, at)
  }

  private isReporting (node: string, at: number): boolean {
    const last = this.reporting.get(node)
    return last !== undefined && Math.abs(at - last) <= REPORTING_WITHIN_MS
  }

  /** The workload behind the cluster DNS Service (kube-system/kube-dns), as exports find it. */
  private isClusterDns (id: Identity): boolean {
    if (id.namespace !== 'kube-system' || id.kind === 'Node' || id.kind === 'External') return false
    const svc = this.index.service('kube-system', 'kube-dns')
    if (svc === undefined) return false
    return identityKey(this.index.workloads.serviceWorkload(svc).workload) === identityKey(id)
  }

  private unresolved (reason: UnresolvedReason, count: number): void {
    this.opts.onUnresolved(reason, count)
  }

  private isExcluded (id: Identity): boolean {
    return id.namespace !== undefined && this.excluded.has(id.namespace)
  }

  /** A hostNetwork pod named by the sniffer (from its process's cgroup), if the informers know it. */
  private hostNetworkPod (uid: string | undefined): Endpoint | undefined {
    if (uid === undefined) return undefined
    const pod = this.index.pods.get(uid)
    return pod === undefined ? undefined : { identity: this.index.workloads.workloadOf(pod), pod, inCluster: true }
  }

  /** A client or server address: a pod (at that time) or a node. */
  private endpoint (ip: string, at: number): Endpoint | undefined {
    const pod = this.index.podAt(ip, at)
    if (pod) return { identity: this.index.workloads.workloadOf(pod), pod, inCluster: true }
    const node = this.index.nodeByIp(ip)
    if (node) return { identity: this.named('Node', node), inCluster: true }
    return undefined
  }

  /** Node and External identities, one object per name (bounded), so their keys are computed once. */
  private readonly namedIdentities = new Map<string, Identity>()
  private named (kind: 'Node' | 'External', name: string): Identity {
    const key = `${kind}/${name}`
    let id = this.namedIdentities.get(key)
    if (!id) {
      if (this.namedIdentities.size >= 100_000) this.namedIdentities.clear()
      id = { kind, name }
      this.namedIdentities.set(key, id)
    }
    return id
  }

  /** Port objects, shared (calls keep them, so they must never be mutated). */
  private readonly ports: Port[] = []
  private port (port: number, protocol: 'TCP' | 'UDP'): Port {
    const i = protocol === 'UDP' ? port + 65_536 : port
    return (this.ports[i] ??= { port, protocol })
  }

  private server (ip: string, port: number, protocol: 'TCP' | 'UDP', at: number): ServerEndpoint {
    const svc = this.index.serviceByIp(ip)
    if (svc) return this.viaService(svc, svc.ports.find((p) => p.port === port && p.protocol === protocol), port, protocol, true)
    const ep = this.endpoint(ip, at)
    if (ep?.identity.kind === 'Node') {
      const np = this.index.serviceByNodePort(port)
      if (np) return this.viaService(np.service, np.port, port, protocol, false)
    }
    if (ep) return { identity: ep.identity, pod: ep.pod, inCluster: true, port: this.port(port, protocol), viaClusterIp: false }
    return { identity: this.named('External', this.externalNames.nameOf(ip) ?? ip), inCluster: false, port: this.port(port, protocol), viaClusterIp: false }
  }

  private viaService (svc: ServiceInfo, sp: ServicePort | undefined, port: number, protocol: 'TCP' | 'UDP', viaClusterIp: boolean): ServerEndpoint {
    const { workload, pod } = this.index.workloads.serviceWorkload(svc)
    let target = port
    if (sp) {
      if (typeof sp.targetPort === 'number') target = sp.targetPort
      else target = pod?.namedPorts.get(sp.targetPort) ?? (/^\d+$/.test(sp.targetPort) ? Number(sp.targetPort) : sp.port)
    }
    return { identity: this.viaServiceIdentity(workload, svc.name), pod, inCluster: true, port: this.port(target, protocol), viaClusterIp }
  }

  /** `{...workload, service}`, one object per pair, so keys computed from it are cached. */
  private readonly serviceIdentities = new WeakMap<object, Map<string, Identity>>()
  private viaServiceIdentity (workload: Identity, service: string): Identity {
    let byService = this.serviceIdentities.get(workload)
    if (!byService) { byService = new Map(); this.serviceIdentities.set(workload, byService) }
    let id = byService.get(service)
    if (!id) { id = { ...workload, service }; byService.set(service, id) }
    return id
  }

  private isClusterName (name: string): boolean {
    if (name.endsWith(this.domainSuffix)) return true
    // Short forms a resolver's search list produces: <svc>.<ns>.svc and <svc>.<ns> of known Services.
    const parts = name.split('.')
    if (parts.length === 3 && parts[2] === 'svc') return true
    return parts.length === 2 && this.index.service(parts[1] as string, parts[0] as string) !== undefined
  }

  /** `<svc>.<ns>.svc.<domain>`, `<host>.<svc>.<ns>.svc.<domain>`, `<a-b-c-d>.<ns>.pod.<domain>`. */
  private clusterName (name: string, at: number): Identity | undefined {
    const local = name.endsWith(this.domainSuffix) ? name.slice(0, -this.domainSuffix.length) : name
    const parts = local.split('.')
    const last = parts[parts.length - 1]
    if (last === 'pod' && parts.length === 3) {
      const ip = (parts[0] as string).includes('-') && (parts[0] as string).split('-').length === 4
        ? (parts[0] as string).replaceAll('-', '.')
        : (parts[0] as string).replaceAll('-', ':')
      const pod = this.index.podAt(ip, at)
      return pod && pod.namespace === parts[1] ? this.index.workloads.workloadOf(pod) : undefined
    }
    if (last === 'svc') parts.pop()
    if (parts.length === 2) {
      const svc = this.index.service(parts[1] as string, parts[0] as string)
      return svc ? this.viaServiceIdentity(this.index.workloads.serviceWorkload(svc).workload, svc.name) : undefined
    }
    if (parts.length === 3) {
      const [host, sub, ns] = parts as [string, string, string]
      const pod = this.index.podByHostname(ns, sub, host)
      if (!pod) return undefined
      return this.viaServiceIdentity(this.index.workloads.workloadOf(pod), sub)
    }
    return undefined
  }
}

/** An endpoint on `node`: a pod scheduled there, or the node itself. */
function isOn (node: string, e: Endpoint): boolean {
  if (e.pod !== undefined) return e.pod.nodeName === node
  return e.identity.kind === 'Node' && e.identity.name === node
}

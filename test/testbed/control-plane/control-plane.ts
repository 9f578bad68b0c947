/**
 * startControlPlane: a real Kubernetes control plane on loopback, started the way clusters run it.
 *
 *   etcd                     127.0.0.1:<free>, plain HTTP on loopback, its own data dir, no fsync
 *   kube-apiserver           https://127.0.0.1:<free>, generated certificates, Node,RBAC authorization,
 *                            default admission plus NodeRestriction (as kubeadm), service-account
 *                            issuer and signing key, the run's service ClusterIP ranges, watch cache
 *                            and bookmarks as defaults
 *   kube-controller-manager  every default controller (endpointslice, replicaset, deployment,
 *                            statefulset, daemonset, job, cronjob, namespace, garbage collector,
 *                            serviceaccount-token, ...), one service account per controller,
 *                            cluster signing with the CA
 *   kube-scheduler           binds pods to nodes
 *
 * Everything lives in the run's folder (owned-run.ts): certificates, kubeconfigs, etcd's data,
 * one log file per process. `stop()` (or the run's teardown) ends it all.
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { ChildProcess } from 'node:child_process'
import { controlPlaneBinaries } from './binaries.js'
import { issueCertificates, serviceAccountKeys, type CertFiles, type CertSpec } from './pki.js'
import { kubeClient, type KubeClient, type KubeCredentials } from './kube-http.js'
import { kubeconfigText } from './kubeconfig.js'
import type { OwnedRun } from '../owned-run.js'
import { freePort } from '../free-port.js'

export interface ControlPlaneOptions {
  run: OwnedRun
  /** Service ClusterIP ranges, IPv4 first (default: the run's address plan, dual-stack). */
  serviceCidrs?: string[]
  /** What the `kubernetes` Service's endpoints say; pods reach the API server there (default 127.0.0.1). */
  advertiseAddress?: string
  /** More SANs for the serving certificate (e.g. the address a relay listens on). */
  extraServingIps?: string[]
}

export interface ControlPlane {
  server: string
  port: number
  etcdUrl: string
  caFile: string
  admin: KubeCredentials
  adminKubeconfig: string
  client: KubeClient
  /** Client certificates signed by the cluster CA, e.g. for nodes (CN system:node:<name>, O system:nodes). */
  issue: (specs: CertSpec[]) => Promise<Map<string, CertFiles>>
  /** A token for a ServiceAccount from the TokenRequest API (audience: the API server). */
  serviceAccountToken: (namespace: string, name: string, expirationSeconds?: number) => Promise<string>
  /** A kubeconfig file that authenticates as that ServiceAccount. */
  serviceAccountKubeconfig: (namespace: string, name: string, file: string) => Promise<string>
  /** Compacts etcd at its current revision: older resourceVersions are gone from storage. */
  compactEtcd: () => Promise<number>
  /**
   * Kills kube-apiserver and starts it again (same flags and port). Its watch cache starts over at the current
   * revision, and every open watch is cut: a client resuming from an older resourceVersion than
   * the last compaction gets 410 Gone, as after an API server upgrade on a real cluster.
   */
  restartApiserver: () => Promise<void>
  processes: () => Record<string, ChildProcess>
  logTail: (name: string, lines?: number) => string
  stop: () => Promise<void>
}

async function waitUntil (what: string, probe: () => Promise<boolean>, timeoutMs: number, exited: () => string | undefined): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    const dead = exited()
    if (dead !== undefined) throw new Error(`control plane: ${dead} exited while waiting for ${what}`)
    if (await probe().catch(() => false)) return
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  throw new Error(`control plane: ${what} not ready within ${timeoutMs} ms`)
}

/** First address of a CIDR plus one: what the API server gives the `kubernetes` Service. */
function firstServiceIp (cidr: string): string {
  const [ip = ''] = cidr.split('/')
  if (ip.includes(':')) return ip.replace(/::$/, '::1')
  const o = ip.split('.').map(Number)
  return `${o[0]}.${o[1]}.${o[2]}.${(o[3] ?? 0) + 1}`
}

export async function startControlPlane (opts: ControlPlaneOptions): Promise<ControlPlane> {
  const bins = controlPlaneBinaries(['etcd', 'kubeApiserver', 'kubeControllerManager', 'kubeScheduler'])
  const { run } = opts
  const dir = run.dir
  const pkiDir = join(dir, 'pki')
  const serviceCidrs = opts.serviceCidrs ?? [run.plan.serviceCidr4, run.plan.serviceCidr6]
  const advertise = opts.advertiseAddress ?? '127.0.0.1'
  const [etcdClient, etcdPeer, apiPort] = [await freePort(), await freePort(), await freePort()]

  const procs: Record<string, ChildProcess> = {}
  const exited = (): string | undefined => Object.entries(procs).find(([, c]) => c.exitCode !== null || c.signalCode !== null)?.[0]
  const logTail = (name: string, lines = 40): string => {
    try { return readFileSync(run.logFile(name), 'utf8').split('\n').slice(-lines).join('\n') } catch { return '' }
  }
  const fail = (err: Error): Error => {
    const name = exited() ?? 'kube-apiserver'
    return new Error(`${err.message}\n--- ${name} log ---\n${logTail(name)}`, { cause: err })
  }

  // etcd first: it needs nothing, and the certificates are made while it starts.
  const etcdUrl = `http://127.0.0.1:${etcdClient}`
  procs.etcd = run.spawnOwned('etcd', [bins.etcd, '--name', 'podmap', '--data-dir', join(dir, 'etcd'),
    '--listen-client-urls', etcdUrl, '--advertise-client-urls', etcdUrl,
    '--listen-peer-urls', `http://127.0.0.1:${etcdPeer}`, '--initial-advertise-peer-urls', `http://127.0.0.1:${etcdPeer}`,
    '--initial-cluster', `podmap=http://127.0.0.1:${etcdPeer}`, '--unsafe-no-fsync', '--log-level', 'warn',
    '--quota-backend-bytes', String(512 << 20)])

  const kubernetesIps = serviceCidrs.map(firstServiceIp)
  const certs = await issueCertificates(pkiDir, [
    { name: 'apiserver', commonName: 'kube-apiserver', usage: 'server', ips: ['127.0.0.1', advertise, ...kubernetesIps, ...(opts.extraServingIps ?? [])], dns: ['localhost', 'kubernetes', 'kubernetes.default', 'kubernetes.default.svc', 'kubernetes.default.svc.cluster.local'] },
    { name: 'admin', commonName: 'podmap-admin', organizations: ['system:masters'], usage: 'client' },
    { name: 'controller-manager', commonName: 'system:kube-controller-manager', usage: 'client' },
    { name: 'scheduler', commonName: 'system:kube-scheduler', usage: 'client' },
    { name: 'apiserver-kubelet-client', commonName: 'kube-apiserver-kubelet-client', organizations: ['system:masters'], usage: 'client' }
  ], true)
  const sa = await serviceAccountKeys(pkiDir)
  const caFile = join(pkiDir, 'ca.crt')
  const caKey = join(pkiDir, 'ca.key')
  const server = `https://127.0.0.1:${apiPort}`
  const file = (name: string): CertFiles => certs.get(name) as CertFiles
  const credsOf = (name: string): KubeCredentials => ({ server, ca: caFile, cert: file(name).cert, key: file(name).key })
  const kubeconfigOf = (name: string): string => {
    const path = join(dir, `${name}.kubeconfig`)
    writeFileSync(path, kubeconfigText(credsOf(name)), { mode: 0o600 })
    return path
  }
  const adminKubeconfig = kubeconfigOf('admin')
  const admin = credsOf('admin')
  const client = kubeClient(admin)

  let apiserverArgv: string[] = []
  const apiserverReady = async (): Promise<void> => {
    await waitUntil('kube-apiserver /readyz', async () => (await client.request('GET', '/readyz', undefined, { timeoutMs: 2000 })).status === 200, 90_000, exited)
  }
  try {
    await waitUntil('etcd', async () => (await fetch(`${etcdUrl}/health`, { signal: AbortSignal.timeout(1000) })).ok, 30_000, exited)
    apiserverArgv = [bins.kubeApiserver,
      '--etcd-servers', etcdUrl,
      '--bind-address', '127.0.0.1', '--secure-port', String(apiPort), '--advertise-address', advertise,
      '--cert-dir', pkiDir,
      '--tls-cert-file', file('apiserver').cert, '--tls-private-key-file', file('apiserver').key,
      '--client-ca-file', caFile,
      '--authorization-mode', 'Node,RBAC',
      '--enable-admission-plugins', 'NodeRestriction',
      '--allow-privileged=true',
      '--service-account-issuer', 'https://kubernetes.default.svc.cluster.local',
      '--service-account-key-file', sa.pub, '--service-account-signing-key-file', sa.key,
      '--service-cluster-ip-range', serviceCidrs.join(','),
      '--kubelet-client-certificate', file('apiserver-kubelet-client').cert, '--kubelet-client-key', file('apiserver-kubelet-client').key,
      '--kubelet-preferred-address-types', 'InternalIP,Hostname',
      '--profiling=false', '--v', '1']
    procs['kube-apiserver'] = run.spawnOwned('kube-apiserver', apiserverArgv)
    await apiserverReady()

    const kcmKubeconfig = kubeconfigOf('controller-manager')
    procs['kube-controller-manager'] = run.spawnOwned('kube-controller-manager', [bins.kubeControllerManager,
      '--kubeconfig', kcmKubeconfig, '--authentication-kubeconfig', kcmKubeconfig, '--authorization-kubeconfig', kcmKubeconfig,
      '--bind-address', '127.0.0.1', '--secure-port', String(await freePort()),
      '--leader-elect=false', '--use-service-account-credentials=true',
      '--service-account-private-key-file', sa.key, '--root-ca-file', caFile,
      '--cluster-signing-cert-file', caFile, '--cluster-signing-key-file', caKey,
      '--controllers', '*', '--profiling=false', '--v', '1'])
    const schedKubeconfig = kubeconfigOf('scheduler')
    procs['kube-scheduler'] = run.spawnOwned('kube-scheduler', [bins.kubeScheduler,
      '--kubeconfig', schedKubeconfig, '--authentication-kubeconfig', schedKubeconfig, '--authorization-kubeconfig', schedKubeconfig,
      '--bind-address', '127.0.0.1', '--secure-port', String(await freePort()),
      '--leader-elect=false', '--profiling=false', '--v', '1'])
    // The controllers are working once the service-account controller made `default` in `default`.
    await waitUntil('kube-controller-manager (ServiceAccount default/default)',
      async () => (await client.request('GET', '/api/v1/namespaces/default/serviceaccounts/default', undefined, { allow: [404] })).status === 200, 60_000, exited)
  } catch (err) {
    throw fail(err as Error)
  }

  const serviceAccountToken = async (namespace: string, name: string, expirationSeconds = 3600): Promise<string> => {
    const res = await client.request<{ status: { token: string } }>('POST', `/api/v1/namespaces/${namespace}/serviceaccounts/${name}/token`,
      { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { expirationSeconds } })
    return res.body.status.token
  }

  return {
    server,
    port: apiPort,
    etcdUrl,
    caFile,
    admin,
    adminKubeconfig,
    client,
    issue: async (specs) => await issueCertificates(pkiDir, specs),
    serviceAccountToken,
    serviceAccountKubeconfig: async (namespace, name, path) => {
      const token = await serviceAccountToken(namespace, name)
      writeFileSync(path, kubeconfigText({ server, ca: caFile, token }, `${namespace}-${name}`), { mode: 0o600 })
      return path
    },
    compactEtcd: async () => {
      // etcd's v3 JSON gateway: read the current revision, then compact at it.
      const post = async (path: string, body: object): Promise<Record<string, unknown>> => {
        const res = await fetch(`${etcdUrl}${path}`, { method: 'POST', body: JSON.stringify(body), signal: AbortSignal.timeout(10_000) })
        if (!res.ok) throw new Error(`etcd ${path}: ${res.status} ${await res.text()}`)
        return await res.json() as Record<string, unknown>
      }
      const range = await post('/v3/kv/range', { key: Buffer.from('/').toString('base64'), limit: 1 })
      const revision = Number((range.header as { revision?: string } | undefined)?.revision)
      await post('/v3/kv/compaction', { revision, physical: true })
      return revision
    },
    restartApiserver: async () => {
      const old = procs['kube-apiserver']
      if (old !== undefined && old.exitCode === null && old.signalCode === null) {
        const gone = new Promise((resolve) => old.once('exit', resolve))
        old.kill('SIGKILL')
        await gone
      }
      procs['kube-apiserver'] = run.spawnOwned('kube-apiserver', apiserverArgv)
      try { await apiserverReady() } catch (err) { throw fail(err as Error) }
    },
    processes: () => ({ ...procs }),
    logTail,
    stop: async () => { await run.stop() }
  }
}

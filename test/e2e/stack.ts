/**
 * The whole product on the real control plane (test/testbed/cluster): the shop applied with
 * kubectl, the chart installed with the real `helm install`, and:
 *  - the real sniffers as the chart's DaemonSet pods: the node agent runs the sniffer image's
 *    entrypoint (`podmap` from this tree) with the chart's args and environment (mapper URL through
 *    the mapper Service, intervals from --set values) in the node's network and PID namespaces and
 *    the pod's cgroup; the flags stand in for the two volumes the agent does not mount (the token
 *    Secret, /host/proc);
 *  - the real mapper on the control-plane host (the root namespace's LAN address, where the API
 *    server is reachable), authenticating with the chart's own ServiceAccount token from the
 *    TokenRequest API, so the real RBAC authorizer enforces the chart's ClusterRole; the chart's
 *    mapper pod runs a relay to it, so its Service, probes and port-forward reach the real mapper.
 * podmap's own namespace is left out of the map, as an installation would. The application is the
 * shop (shop-manifests.ts) for the e2e tests (startStack), or another one (startAppStack: the demo's,
 * demo-app.ts).
 */
import type { ChildProcess } from 'node:child_process'
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { startCluster, type Cluster } from '../testbed/cluster/cluster.js'
import { freePort } from '../testbed/free-port.js'
import { HELM } from '../testbed/cluster/cluster-exec.js'
import { waitFor } from '../testbed/wait-for.js'
import { namespace, toYaml } from '../testbed/cluster/manifests.js'
import { shopYaml, SHOP_CNAMES, SHOP_EXTERNALS } from './shop-manifests.js'
import type { CnameSpec, ExternalSpec } from '../testbed/scenario.js'

export { waitFor }

export const BIN = fileURLToPath(new URL('../../bin/podmap.js', import.meta.url))
const CHART = fileURLToPath(new URL('../../helm/podmap', import.meta.url))
const RELAY = fileURLToPath(new URL('../testbed/programs/tcp-relay.mjs', import.meta.url))

export interface ShopPods { checkout: string, orders: string, nightly: string, ledger: string }

/** An application for the cluster: its manifests, the external hosts it calls, and when it is ready. */
export interface StackApp<T> {
  yaml: string
  externals: ExternalSpec[]
  cnames?: CnameSpec[]
  /** Runs once the manifests are applied, before podmap is installed (e.g. a Job made from a CronJob). */
  afterApply?: (c: Cluster) => Promise<void>
  /** Resolves once the application is ready, with what the caller needs to know about it. */
  ready: (c: Cluster) => Promise<T>
}

export interface AppStack<T> {
  cluster: Cluster
  mapperUrl: string
  /** The first node's sniffer (metrics and health, on the node's management address); every node's in `snifferUrls`. */
  snifferUrl: string
  snifferUrls: Map<string, string>
  /** The sniffers' output so far (their container logs), for failure messages. */
  snifferLogs: () => string
  /** For failure messages: podmap's pods with their Ready condition, the mapper Service's endpoints, the node agents' last log lines. */
  diagnose: () => Promise<string>
  token: string
  dir: string
  /** Kubeconfig of the chart's mapper ServiceAccount (a TokenRequest token). */
  mapperKubeconfig: string
  mapper: ChildProcess
  /** What the application's `ready` found. */
  app: T
  logs: { mapper: string[] }
  /** Starts the mapper again (same state dir and port); `kill` says how the running one ends; `until` what to wait for (default ready). */
  restartMapper: (kill?: 'SIGTERM' | 'SIGKILL', until?: 'ready' | 'healthy') => Promise<void>
  /** Deletes the sniffer pods (the DaemonSet makes new ones); resolves once every new one is healthy. */
  restartSniffer: () => Promise<void>
  stop: () => Promise<void>
}

export interface Stack extends AppStack<ShopPods> {
  /** Pod keys ("<namespace>/<name>") of the shop's workloads, as the controllers named them. */
  shop: ShopPods
}

export interface StackOptions {
  mapperArgs?: string[]
  /** The chart's sniffer.scanInterval and sniffer.reportInterval (default 500ms and 1s). */
  sniffer?: { scanInterval?: string, reportInterval?: string }
  /** Also the hostNetwork DaemonSet kube-system/agent (the shop only). */
  agent?: boolean
  /** Extra `helm install` flags (e.g. --set ...). */
  helmArgs?: string[]
  /** The mapper's port on the host (default: a free one). */
  mapperPort?: number
}

export function capture (child: ChildProcess, into: string[]): void {
  const push = (chunk: Buffer): void => {
    for (const line of chunk.toString('utf8').split('\n')) if (line) into.push(line)
    if (into.length > 5000) into.splice(0, into.length - 5000)
  }
  child.stdout?.on('data', push)
  child.stderr?.on('data', push)
}

export async function httpOk (url: string): Promise<true | undefined> {
  const res = await fetch(url, { signal: AbortSignal.timeout(2000) })
  await res.text()
  return res.ok ? true : undefined
}

/** Ends a child: SIGKILL at once, or SIGTERM with SIGKILL after 5 s; resolves once it exited. */
export async function endChild (child: ChildProcess | undefined, kill: 'SIGTERM' | 'SIGKILL'): Promise<void> {
  if (kill === 'SIGKILL' && child !== undefined && child.exitCode === null && child.signalCode === null) {
    const dead = new Promise((resolve) => child.once('exit', resolve))
    child.kill('SIGKILL')
    await dead
  }
  await stopChild(child)
}

export async function stopChild (child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return
  await new Promise<void>((resolve) => {
    const t = setTimeout(() => { child.kill('SIGKILL') }, 5000)
    child.once('exit', () => { clearTimeout(t); resolve() })
    child.kill('SIGTERM')
  })
}

/** Pod keys of the shop once every shop pod is Ready. */
export async function shopPods (c: Cluster): Promise<ShopPods> {
  return await waitFor('the shop\'s pods ready', async () => {
    const one = async (ns: string, selector: string): Promise<string | undefined> => {
      const p = (await c.pods(ns, selector)).filter((x) => x.ready)
      return p.length === 1 && p[0] !== undefined ? `${ns}/${p[0].name}` : undefined
    }
    const [checkout, orders, nightly, ledger] = await Promise.all([one('shop', 'app=checkout'), one('shop', 'app=orders'), one('batch', 'app=nightly'), one('db', 'app=ledger')])
    return checkout !== undefined && orders !== undefined && nightly !== undefined && ledger !== undefined ? { checkout, orders, nightly, ledger } : undefined
  }, 90_000, 250)
}

/** The shop, with a Job made from its CronJob at once. */
export function shopApp (opts: { agent?: boolean } = {}): StackApp<ShopPods> {
  return {
    yaml: shopYaml({ agent: opts.agent }),
    externals: SHOP_EXTERNALS,
    cnames: SHOP_CNAMES,
    afterApply: async (c) => {
      const job = await c.kubectl(['create', 'job', '-n', 'batch', 'nightly-manual', '--from=cronjob/nightly'])
      if (job.code !== 0) throw new Error(`kubectl create job --from=cronjob/nightly: ${job.stderr}`)
    },
    ready: shopPods
  }
}

export async function startStack (opts: StackOptions = {}): Promise<Stack> {
  const stack = await startAppStack(shopApp(opts), opts)
  return Object.assign(stack, { shop: stack.app })
}

export async function startAppStack<T> (application: StackApp<T>, opts: StackOptions = {}): Promise<AppStack<T>> {
  const cluster = await startCluster({ externals: application.externals, cnames: application.cnames ?? [] })
  const dir = join(cluster.run.dir, 'stack')
  mkdirSync(dir, { recursive: true })
  const logs = { mapper: [] as string[] }
  let mapper: ChildProcess | undefined
  const snifferLogs = (): string => cluster.nodes.map((n) => {
    const pods = join(cluster.run.dir, 'nodes', n.name, 'pods')
    let out = ''
    try {
      for (const d of readdirSync(pods).filter((x) => x.startsWith('podmap_podmap-sniffer-'))) {
        for (const f of readdirSync(join(pods, d, 'sniffer'))) out += readFileSync(join(pods, d, 'sniffer', f), 'utf8').split('\n').slice(-15).map((l) => `[${n.name}] ${l}`).join('\n') + '\n'
      }
    } catch { /* no sniffer pod on this node yet */ }
    return out
  }).join('')
  const diagnose = async (): Promise<string> => {
    const kubectl = async (args: string[]): Promise<string> => { const r = await cluster.kubectl(args).catch((e: Error) => ({ stdout: '', stderr: e.message })); return r.stdout + r.stderr }
    const agents = cluster.nodes.map((n) => {
      let text = ''
      try { text = readFileSync(join(cluster.run.dir, 'nodes', n.name, 'agent.log'), 'utf8') } catch { /* no log yet */ }
      return text.split('\n').filter((l) => l !== '').slice(-15).map((l) => `[${n.name}] ${l}`).join('\n')
    }).join('\n')
    return [
      `--- pods ---\n${await kubectl(['get', 'pods', '-A', '-o', 'wide'])}`,
      `--- podmap pods' Ready ---\n${await kubectl(['get', 'pods', '-n', 'podmap', '-o', 'jsonpath={range .items[*]}{.metadata.name} {.status.conditions[?(@.type=="Ready")].status}{"\\n"}{end}'])}`,
      `--- podmap EndpointSlices ---\n${await kubectl(['get', 'endpointslices', '-n', 'podmap', '-o', 'wide'])}`,
      `--- node agents ---\n${agents}`,
      `--- mapper log ---\n${logs.mapper.slice(-25).join('\n')}`,
      `--- sniffer logs ---\n${snifferLogs()}`
    ].join('\n')
  }
  const stop = async (): Promise<void> => {
    await stopChild(mapper)
    await cluster.stop()
  }
  try {
    const mapperPort = opts.mapperPort ?? await freePort(cluster.hostIP)
    const mapperUrl = `http://${cluster.hostIP}:${mapperPort}`
    // The chart's token Secret, made first (auth.existingSecret) so the sniffers can read it at start.
    const token = `tok-${Math.random().toString(36).slice(2)}`
    const tokenFile = join(dir, 'token')
    writeFileSync(tokenFile, token + '\n', { mode: 0o600 })
    await cluster.apply(toYaml([namespace('podmap'), { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'podmap-token', namespace: 'podmap' }, stringData: { token } }]))
    cluster.setImages({
      'podmap/podmap-mapper': [process.execPath, RELAY, '--listen', '9090', '--to', `${cluster.hostIP}:${mapperPort}`],
      'podmap/podmap-sniffer': ['sh', '-c', `exec '${process.execPath}' '${BIN}' "$@" --token-file '${tokenFile}' --proc-root /proc`, 'sh']
    })
    await cluster.apply(application.yaml)
    await application.afterApply?.(cluster)
    const helm = cluster.run.spawnOwned('helm', [HELM, 'install', 'podmap', CHART, '--namespace', 'podmap', '--kubeconfig', cluster.kubeconfig,
      '--set', 'auth.existingSecret=podmap-token',
      // Nothing is pulled here (the node agents run the commands of setImages), but the chart requires a registry.
      '--set', 'global.imageRegistry=registry.test',
      // The node agents do not project ServiceAccount tokens into pods, so the sniffers here use the
      // shared token; TokenReview against this API server is tested in test/mapper/http/sniffer-auth.test.ts.
      '--set', 'auth.sniffers=token',
      '--set', `sniffer.scanInterval=${opts.sniffer?.scanInterval ?? '500ms'}`, '--set', `sniffer.reportInterval=${opts.sniffer?.reportInterval ?? '1s'}`,
      ...(opts.helmArgs ?? [])])
    const helmCode = await new Promise<number | null>((resolve) => helm.once('exit', resolve))
    if (helmCode !== 0) throw new Error(`helm install failed (${helmCode}): ${cluster.cp.logTail('helm')}`)
    const mapperKubeconfig = await cluster.cp.serviceAccountKubeconfig('podmap', 'podmap-mapper', join(dir, 'mapper.kubeconfig'))

    const startMapper = async (until: 'ready' | 'healthy' = 'ready'): Promise<ChildProcess> => {
      const child = cluster.run.spawnOwned('mapper', [process.execPath, BIN, 'mapper',
        '--kubeconfig', mapperKubeconfig, '--token-file', tokenFile,
        '--host', cluster.hostIP, '--port', String(mapperPort),
        '--state-dir', join(dir, 'state'),
        '--exclude-namespaces', 'podmap',
        ...(opts.mapperArgs ?? [])], { stdio: 'pipe' })
      capture(child, logs.mapper)
      mapper = child
      await waitFor(`the mapper to be ${until}`, () => httpOk(`${mapperUrl}/${until === 'ready' ? 'readyz' : 'healthz'}`), 60_000)
      return child
    }
    await startMapper()

    const snifferUrls = new Map(cluster.nodes.map((n) => [n.name, `http://${n.mgmtIPv4}:9476`]))
    const sniffersHealthy = async (except: string[] = []): Promise<void> => {
      await waitFor('a healthy sniffer pod on every node', async () => {
        const pods = (await cluster.pods('podmap', 'app.kubernetes.io/component=sniffer')).filter((p) => p.phase === 'Running' && !except.includes(p.uid))
        if (pods.length !== cluster.nodes.length) return undefined
        for (const url of snifferUrls.values()) if (await httpOk(`${url}/healthz`) === undefined) return undefined
        return true
      }, 60_000, 250)
    }
    await sniffersHealthy()
    const app = await application.ready(cluster)

    const stack: AppStack<T> = {
      cluster,
      mapperUrl,
      snifferUrl: snifferUrls.get(cluster.nodes[0]?.name ?? '') ?? '',
      snifferUrls,
      snifferLogs,
      diagnose,
      token,
      dir,
      mapperKubeconfig,
      mapper: mapper as ChildProcess,
      app,
      logs,
      stop,
      restartMapper: async (kill = 'SIGTERM', until = 'ready') => {
        await endChild(mapper, kill)
        stack.mapper = await startMapper(until)
      },
      restartSniffer: async () => {
        const old = (await cluster.pods('podmap', 'app.kubernetes.io/component=sniffer')).map((p) => p.uid)
        const r = await cluster.kubectl(['delete', 'pod', '-n', 'podmap', '-l', 'app.kubernetes.io/component=sniffer', '--wait=true', '--timeout=60s'])
        if (r.code !== 0) throw new Error(`deleting the sniffer pods: ${r.stderr}`)
        await sniffersHealthy(old)
      }
    }
    return stack
  } catch (err) {
    const tail = (l: string[]): string => l.slice(-30).join('\n')
    const sniffers = snifferLogs()
    const pods = (await cluster.kubectl(['get', 'pods', '-A', '-o', 'wide']).catch(() => ({ stdout: '' }))).stdout
    await stop()
    throw new Error(`${(err as Error).message}\n--- pods ---\n${pods}--- mapper log ---\n${tail(logs.mapper)}\n--- sniffer logs ---\n${sniffers}`, { cause: err })
  }
}

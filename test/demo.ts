/**
 * `npm run demo`: starts the real control plane and a two-node cluster of network namespaces,
 * applies the demo shop (test/e2e/demo-app.ts: a dozen services in four namespaces calling each
 * other every few seconds, two of those calls denied by NetworkPolicies) with kubectl, installs the
 * chart with helm (the real sniffers as its DaemonSet pods, the real mapper with the chart's
 * ServiceAccount), waits until every call is in the map, and prints what to open and run. It keeps
 * running until Ctrl-C, then removes everything it made.
 *
 *   --once   print the map as `podmap list` shows it, then stop (for scripts)
 *
 * test/e2e/demo.test.ts runs it as a person would, runs every printed command as printed, opens
 * the page in Chromium, then presses Ctrl-C.
 */
import { spawn } from 'node:child_process'
import { createServer } from 'node:net'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { startAppStack, waitFor, type AppStack } from './e2e/stack.js'
import { demoCalls, demoYaml, DEMO_DENIED, DEMO_EXTERNALS, DEMO_NAMESPACES, DEMO_SERVICES } from './e2e/demo-app.js'
import { demoCommands, renderCommands } from './demo-commands.js'

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..')
const say = (s: string): void => { process.stdout.write(s + '\n') }
const mode = process.argv.includes('--once') ? 'once' : 'run'

interface MapEdge { client: { kind: string, namespace?: string, name: string }, server: { kind: string, namespace?: string, name: string }, ports: Array<{ port: number, protocol: string }> }
const id = (x: MapEdge['client']): string => `${x.kind} ${x.namespace ? `${x.namespace}/` : ''}${x.name}`

/** The demo's calls that the map does not show yet. */
async function missing (url: string): Promise<string[]> {
  const body = await (await fetch(`${url}/api/v1/map?namespace=${DEMO_NAMESPACES.join(',')}`)).json() as { edges: MapEdge[] }
  const seen = new Set(body.edges.flatMap((e) => e.ports.map((p) => `${id(e.client)} -> ${id(e.server)} ${p.port}/${p.protocol}`)))
  return demoCalls().filter((c) => !seen.has(c))
}

/** 9090 when it is free on every address, so the URL is the usual one; else any free port. */
async function mapperPort (host: string): Promise<number | undefined> {
  return await new Promise((resolve) => {
    const s = createServer()
    s.once('error', () => resolve(undefined))
    s.listen(9090, host, () => s.close(() => resolve(9090)))
  })
}

/** Runs a command from the repository, with a time limit. */
function run (cmd: string, timeoutMs = 120_000): Promise<{ code: number | null, out: string }> {
  return new Promise((resolve) => {
    const child = spawn('sh', ['-c', cmd], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    child.stdout.on('data', (d: Buffer) => { out += d.toString('utf8') })
    child.stderr.on('data', (d: Buffer) => { out += d.toString('utf8') })
    const t = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
    child.once('close', (code) => { clearTimeout(t); resolve({ code, out }) })
  })
}

async function main (): Promise<number> {
  const started = Date.now()
  say('podmap demo: starting a Kubernetes control plane (etcd, kube-apiserver, controllers, scheduler), two nodes of network namespaces, CoreDNS; kubectl apply of a small shop; helm install of podmap ...')
  let stack: AppStack<void> | undefined
  let stopping: Promise<void> | undefined
  const stop = (): Promise<void> => (stopping ??= (async () => { await stack?.stop() })())
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.once(sig, () => {
      say('\nstopping the demo and removing what it made ...')
      void stop().then(() => process.exit(sig === 'SIGINT' ? 130 : 143))
    })
  }
  try {
    const port = await mapperPort('0.0.0.0')
    stack = await startAppStack({
      yaml: demoYaml(),
      externals: DEMO_EXTERNALS,
      // The reports CronJob runs every two minutes; run it once as soon as the sniffers capture,
      // so its call is in the map without waiting for the schedule.
      ready: async (c) => {
        const job = await c.kubectl(['create', 'job', '-n', 'ops', 'reports-now', '--from=cronjob/reports'])
        if (job.code !== 0) throw new Error(`kubectl create job --from=cronjob/reports: ${job.stderr}`)
      }
    }, { ...(port ? { mapperPort: port } : {}), sniffer: { scanInterval: '1s', reportInterval: '2s' } })
    const url = stack.mapperUrl
    const services = DEMO_SERVICES.length
    await waitFor('every call of the demo in the map', async () => (await missing(url)).length === 0 ? true : undefined, 180_000, 1000)
      .catch(async (err: Error) => { throw new Error(`${err.message}: still missing ${(await missing(url)).join('; ')}`) })
    say(`ready in ${Math.round((Date.now() - started) / 1000)} s: ${services} workloads in ${DEMO_NAMESPACES.length} namespaces (${DEMO_NAMESPACES.join(', ')}) and ${DEMO_EXTERNALS.length} external APIs, calling each other every few seconds; ${DEMO_DENIED.length} of those calls are denied by NetworkPolicies, for shadow mode.`)

    if (mode === 'once') {
      const r = await run(`sh scripts/with-node.sh node bin/podmap.js list -n ${DEMO_NAMESPACES.join(',')} --mapper-url ${url}`)
      say(`\n$ podmap list -n ${DEMO_NAMESPACES.join(',')} --mapper-url ${url}`)
      process.stdout.write(r.out)
      return r.code === 0 ? 0 : 1
    }
    const node = stack.cluster.nodes[0]
    const commands = demoCommands({
      mapperUrl: url,
      snifferUrl: stack.snifferUrl,
      snifferNode: node?.name ?? 'the first node',
      kubeconfig: stack.cluster.kubeconfig,
      namespaces: DEMO_NAMESPACES,
      calls: demoCalls(),
      denied: DEMO_DENIED
    })
    for (const line of renderCommands(commands)) say(line)
    say('\nThe demo keeps running, calls and all. Ctrl-C stops it and removes everything it made.')
    return await new Promise(() => {})
  } catch (err) {
    await stop()
    throw err
  } finally {
    if (mode !== 'run') {
      await stop()
      say(`\n(${Math.round((Date.now() - started) / 1000)} s)`)
    }
  }
}

main().then((code) => process.exit(code), async (err: Error) => {
  process.stderr.write(`demo failed: ${err.message}\n`)
  process.exit(1)
})

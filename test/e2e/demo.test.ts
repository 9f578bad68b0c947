/**
 * `npm run demo` as README's first command leaves it: started the way a person starts it (npm, in
 * its own process group as a terminal does), it prints what to open and run and keeps going; every
 * printed command is then run exactly as printed, from the repository, and must answer what it
 * says (demo-commands.ts); the printed web page opens in headless Chromium and shows the demo's
 * workloads; calls keep coming (the map's last-seen times move on); Ctrl-C (SIGINT to the process
 * group) stops it and it removes what it made.
 */
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { demoCommands, renderCommands, type DemoCommand } from '../demo-commands.js'
import { demoCalls, DEMO_DENIED, DEMO_NAMESPACES, DEMO_SERVICES } from './demo-app.js'
import { launchBrowser, type Browser } from './browser.js'
import { waitFor } from './stack.js'

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..')
let demo: ChildProcess | undefined
let output = ''
let browser: Browser | undefined
let commands: DemoCommand[] = []
let mapperUrl = ''

/** The environment a person's shell has: none of npm's per-script variables, the system's PATH. */
function shellEnv (): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {}
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('npm_') && k !== 'NODE' && k !== 'INIT_CWD') env[k] = v
  env.PATH = (process.env.PATH ?? '').split(':').filter((p) => !p.endsWith('/.tools/bin')).join(':')
  return env
}

function sh (cmd: string, timeoutMs = 120_000): Promise<{ code: number | null, out: string }> {
  return new Promise((resolve) => {
    const child = spawn('sh', ['-c', cmd], { cwd: ROOT, env: shellEnv(), stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    child.stdout?.on('data', (d: Buffer) => { out += d.toString('utf8') })
    child.stderr?.on('data', (d: Buffer) => { out += d.toString('utf8') })
    const t = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
    child.once('close', (code) => { clearTimeout(t); resolve({ code, out }) })
  })
}

before(async () => {
  demo = spawn('npm', ['run', 'demo'], { cwd: ROOT, env: shellEnv(), detached: true, stdio: ['ignore', 'pipe', 'pipe'] })
  demo.stdout?.on('data', (d: Buffer) => { output += d.toString('utf8') })
  demo.stderr?.on('data', (d: Buffer) => { output += d.toString('utf8') })
  await waitFor('the demo to say it keeps running', async () => {
    if (demo?.exitCode !== null || demo.signalCode !== null) throw new Error(`the demo ended (${demo?.exitCode ?? demo?.signalCode ?? '?'}) before it was ready:\n${output}`)
    return output.includes('The demo keeps running') ? true : undefined
  }, 600_000, 500)
  // The facts the printed commands are made of, read back from what was printed.
  const page = /^ {2}(http:\/\/\S+)\/$/m.exec(output)?.[1]
  const sniffer = /curl -s (http:\/\/\S+:9476)\/metrics +# the sniffer's metrics on (\S+)/.exec(output)
  const kubeconfig = /--kubeconfig (\S+) get pods -A/.exec(output)?.[1]
  assert.ok(page && sniffer && kubeconfig, `the demo printed a page URL, a sniffer and a kubeconfig:\n${output}`)
  mapperUrl = page
  commands = demoCommands({
    mapperUrl: page, snifferUrl: sniffer[1] as string, snifferNode: sniffer[2] as string, kubeconfig,
    namespaces: DEMO_NAMESPACES, calls: demoCalls(), denied: DEMO_DENIED
  })
})

after(async () => {
  await browser?.close()
  // A demo left running by a failed test: end its whole process group (it may be gone already).
  if (demo?.pid !== undefined) {
    try { process.kill(-demo.pid, 'SIGKILL') } catch { /* the group has ended */ }
  }
})

test('the demo prints what to open and run: the web page, curl of the API and the metrics, the CLI', () => {
  const printed = output.split('\n')
  const wanted = renderCommands(commands).filter((l) => l !== '')
  let at = 0
  for (const line of wanted) {
    const i = printed.indexOf(line, at)
    assert.ok(i >= 0, `printed, in order: ${line}\n--- output ---\n${output}`)
    at = i + 1
  }
  assert.match(output, /ready in \d+ s: 11 workloads in 4 namespaces \(storefront, shop, data, ops\) and 2 external APIs/)
  assert.equal(DEMO_SERVICES.length, 11)
})

test('every printed command works as printed', async () => {
  const problems: string[] = []
  for (const c of commands) {
    const r = await sh(c.run)
    const problem = r.code !== 0 ? `exit code ${r.code ?? 'killed'}` : await c.expect(r.out)
    if (problem !== undefined) problems.push(`${c.run}: ${problem}\n${r.out.trim().split('\n').slice(-10).join('\n')}`)
  }
  assert.deepEqual(problems, [])
})

test('the printed web page shows the demo\'s workloads, the denied calls marked', async () => {
  browser = await launchBrowser({ viewport: { width: 1440, height: 900 } })
  const { page } = browser
  await page.goto(`${mapperUrl}/`)
  await page.locator('body[data-state="ready"][data-shadow="ok"]').waitFor({ timeout: 30_000 })
  const nodes = await page.locator('#graph .node').evaluateAll((els) => els.map((e) => e.getAttribute('data-node') ?? ''))
  for (const s of DEMO_SERVICES) assert.ok(nodes.includes(`${s.kind} ${s.ns}/${s.name}`), `${s.kind} ${s.ns}/${s.name} drawn (${nodes.join(', ')})`)
  assert.ok(nodes.includes('External api.payments.example') && nodes.includes('External api.shipping.example'))
  const denied = await page.locator('#graph .edge.denied').evaluateAll((els) => els.map((e) => e.getAttribute('data-key')).sort())
  assert.deepEqual(denied, ['CronJob ops/reports -> StatefulSet data/postgres', 'Deployment storefront/frontend -> Deployment data/redis'])
  await page.screenshot({ path: 'test-results/demo.png' })
  assert.deepEqual(browser.errors, [])
})

test('calls keep coming while the demo runs', async () => {
  const lastSeen = async (): Promise<number> => {
    const body = await (await fetch(`${mapperUrl}/api/v1/map?namespace=shop`)).json() as { edges: Array<{ client: { name: string }, server: { name: string }, lastSeen: string }> }
    const e = body.edges.find((x) => x.client.name === 'checkout' && x.server.name === 'orders')
    return e ? Date.parse(e.lastSeen) : NaN
  }
  const before = await lastSeen()
  assert.ok(Number.isFinite(before))
  await waitFor('checkout -> orders seen again', async () => (await lastSeen()) > before ? true : undefined, 60_000, 1000)
})

test('Ctrl-C stops the demo, and it removes what it made', async () => {
  const d = demo as ChildProcess
  const exited = new Promise<number | null>((resolve) => d.once('exit', (code) => resolve(code)))
  process.kill(-(d.pid as number), 'SIGINT')
  const code = await exited
  assert.match(output, /stopping the demo and removing what it made/, `exit code ${code ?? 'none'}:\n${output}`)
  // Every process of the demo's group ends (npm may exit before the demo has cleaned up).
  await waitFor('the demo\'s processes to end', async () => {
    try { process.kill(-(d.pid as number), 0); return undefined } catch { return true }
  }, 120_000, 500)
  // The cluster's folder (/tmp/podmap-cluster-<id>-<random>) is removed, no process started from it
  // is left (the mapper, the sniffers, the control plane, DNS), and none of its network namespaces
  // (named <id>-...). Checked on this machine, not by calling the mapper's address, which is gone.
  const kubeconfig = /--kubeconfig (\S+) get pods -A/.exec(output)?.[1] as string
  const runDir = dirname(kubeconfig)
  const id = /podmap-cluster-([^-]+)-/.exec(runDir)?.[1]
  assert.ok(id, `a cluster folder in ${kubeconfig}`)
  assert.equal(existsSync(runDir), false, 'the cluster\'s folder is removed')
  const left = readdirSync('/proc').filter((p) => /^\d+$/.test(p)).filter((p) => {
    try { return readFileSync(`/proc/${p}/cmdline`, 'utf8').includes(runDir) } catch { return false }
  })
  assert.deepEqual(left, [], `processes of the demo's cluster still running: ${left.join(', ')}`)
  const netns = (await sh('ip netns list')).out.split('\n').filter((l) => l.startsWith(`${id}-`))
  assert.deepEqual(netns, [], 'the demo\'s network namespaces are removed')
})

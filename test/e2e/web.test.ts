/**
 * The web page in a real browser: headless Debian Chromium (playwright-core, no downloaded browser)
 * opens the real mapper's `/` on the real control plane's cluster (test/e2e/stack.ts: the shop
 * applied with kubectl, the chart installed with helm) after the shop calls were made, and the page
 * shows exactly the map's workloads and calls, grouped by namespace, with working edge details
 * (mouse and keyboard) and namespace filter. A real cluster's map also holds its own calls
 * (kubelets to the API server, CoreDNS, probes): the page is opened on the shop's namespaces
 * (`/?namespace=shop,batch,db`, the same filter the map API takes), where the calls are exactly
 * the shop's.
 */
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import type { Page } from 'playwright-core'
import { startStack, waitFor, type Stack } from './stack.js'
import { makeShopCalls } from './traffic.js'
import { mapResponseSchema } from '../../src/contract/map.js'
import { shadowResponseSchema } from '../../src/contract/shadow.js'
import { launchBrowser, type Browser } from './browser.js'
const SCREENSHOT = 'test-results/web.png'
const SHOP_NS = 'shop,batch,db'

const NODES = ['CronJob batch/nightly', 'Deployment shop/checkout', 'Deployment shop/orders', 'External api.partner.example', 'StatefulSet db/ledger']
const EDGES = [
  'CronJob batch/nightly -> StatefulSet db/ledger 5432/TCP dns,tcp',
  'Deployment shop/checkout -> Deployment shop/orders 8080/TCP dns,tcp',
  'Deployment shop/checkout -> External api.partner.example 443/TCP dns,tcp'
]

let stack: Stack | undefined
let browser: Browser | undefined
let page: Page

before(async () => {
  // A mapper without the shadow route answers it 404, which the page handles and says.
  const launching = launchBrowser({ ignore: /\/api\/v1\/shadow/ })
  launching.catch(() => {})
  stack = await startStack()
  await makeShopCalls(stack.cluster, stack.shop)
  const url = stack.mapperUrl
  await waitFor('the shop\'s three edges in the map, each with DNS and TCP evidence', async () => {
    const res = await fetch(`${url}/api/v1/map?namespace=${SHOP_NS}`)
    const edges = mapResponseSchema.parse(await res.json()).edges
    return edges.length === 3 && edges.every((e) => e.evidence.includes('tcp') && e.evidence.includes('dns')) ? edges : undefined
  }, 30_000, 300)
  browser = await launching
  page = browser.page
})

after(async () => {
  await browser?.close()
  await stack?.stop()
})

const edgeRows = async (): Promise<string[]> => (await page.locator('#graph .edge').evaluateAll((els) => els.map((e) =>
  `${e.getAttribute('data-client')} -> ${e.getAttribute('data-server')} ${e.getAttribute('data-ports')} ${e.getAttribute('data-evidence')}`))).sort()
const nodeIds = async (): Promise<string[]> => (await page.locator('#graph .node').evaluateAll((els) => els.map((e) => e.getAttribute('data-node') ?? ''))).sort()
const field = (name: string) => page.locator(`#details-list dd[data-field="${name}"]`)

test('the page shows one node per workload and one arrow per call, each workload inside its namespace box', async () => {
  const s = stack as Stack
  await page.goto(`${s.mapperUrl}/?namespace=${SHOP_NS}`)
  await page.locator('body[data-shadow] #graph[data-edge-count="3"]').waitFor({ timeout: 10_000 })
  assert.deepEqual(await nodeIds(), NODES)
  assert.deepEqual(await edgeRows(), EDGES)
  assert.deepEqual((await page.locator('#graph .group').evaluateAll((els) => els.map((e) => e.getAttribute('data-group')))).sort(), ['batch', 'db', 'shop', '~external'])
  // Each workload is drawn inside the box of its namespace (External ones in the external box).
  const misplaced = await page.evaluate(() => {
    const out: string[] = []
    for (const n of document.querySelectorAll('#graph .node')) {
      const group = n.getAttribute('data-namespace') || '~external'
      const box = document.querySelector(`#graph .group[data-group="${group}"] rect`)?.getBoundingClientRect()
      const r = n.getBoundingClientRect()
      if (!box || r.left < box.left || r.right > box.right || r.top < box.top || r.bottom > box.bottom) out.push(n.getAttribute('data-node') ?? '?')
    }
    return out
  })
  assert.deepEqual(misplaced, [])
  // No arrow runs through a workload it does not connect (it would read as a call from that one).
  const crossings = await page.evaluate(() => {
    const out: string[] = []
    const nodes = [...document.querySelectorAll('#graph .node')].map((n) => ({ id: n.getAttribute('data-node'), r: n.querySelector('rect.box')!.getBoundingClientRect() }))
    for (const e of document.querySelectorAll('#graph .edge')) {
      const line = e.querySelector('path.line') as SVGPathElement
      const ctm = line.getScreenCTM()!
      const len = line.getTotalLength()
      for (let i = 0; i <= 200; i++) {
        const p = line.getPointAtLength((len * i) / 200).matrixTransform(ctm)
        for (const n of nodes) {
          if (n.id === e.getAttribute('data-client') || n.id === e.getAttribute('data-server')) continue
          if (p.x > n.r.left && p.x < n.r.right && p.y > n.r.top && p.y < n.r.bottom) out.push(`${e.getAttribute('data-key')} through ${n.id}`)
        }
      }
    }
    return [...new Set(out)]
  })
  assert.deepEqual(crossings, [])
  // Labels are legible: the graph is fitted at a readable scale and nothing is drawn outside the view.
  const scale = await page.evaluate(() => Number(/scale\(([\d.]+)\)/.exec(document.querySelector('#viewport')?.getAttribute('transform') ?? '')?.[1]))
  assert.ok(scale >= 0.8, `graph scale ${scale}`)
  assert.match(await page.locator('#status').textContent() ?? '', /^3 calls between 5 workloads/)
  assert.equal(await page.locator('#graph').getAttribute('aria-label'), 'Call graph: 5 workloads, 3 calls')
  // The shadow route may not exist on this mapper: the page then says so and highlights nothing.
  const shadow = await fetch(`${s.mapperUrl}/api/v1/shadow`)
  await shadow.arrayBuffer()
  if (shadow.status === 404) {
    assert.equal(await page.locator('#shadow-note').textContent(), 'Policy check: not available on this mapper')
    assert.equal(await page.locator('#graph .edge.denied').count(), 0)
  } else {
    assert.match(await page.locator('#shadow-note').textContent() ?? '', /^Policy check: \d+ calls? would be denied$/)
  }
})

test('clicking a call shows its ports, evidence, Service and first/last seen; Escape and the keyboard work too', async () => {
  const edge = page.locator('#graph .edge[data-server="Deployment shop/orders"]')
  await edge.locator('.label').click()
  assert.equal(await edge.getAttribute('aria-pressed'), 'true')
  assert.equal(await field('client').textContent(), 'Deployment shop/checkout')
  assert.equal(await field('server').textContent(), 'Deployment shop/orders')
  assert.equal(await field('service').textContent(), 'orders')
  assert.equal(await field('ports').textContent(), '8080/TCP')
  assert.equal(await field('evidence').textContent(), 'dns,tcp')
  assert.match(await field('first-seen').textContent() ?? '', /ago\)$/)
  assert.match(await field('last-seen').textContent() ?? '', /ago\)$/)
  // Why it is in the map, from GET /api/v1/explain: the name checkout asked for, the sniffer's node.
  await page.locator('#explain[data-state="ready"]').waitFor({ timeout: 10_000 })
  const explain = await (await fetch(`${(stack as Stack).mapperUrl}/api/v1/explain?client=Deployment/shop/checkout&server=Deployment/shop/orders`)).json() as { nodes: string[] }
  const why = (name: string) => page.locator(`#explain-list dd[data-field="${name}"]`).textContent()
  assert.match(await why('dns-names') ?? '', /(^|, )orders\.shop\.svc\.cluster\.local(,|$)/)
  assert.equal(await why('services'), 'orders')
  assert.ok(explain.nodes.length > 0)
  assert.equal(await why('nodes'), explain.nodes.join(', '))
  assert.match(await why('evidence-counts') ?? '', /^dns ×\d+, tcp ×\d+$/)
  await page.screenshot({ path: SCREENSHOT })

  await page.keyboard.press('Escape')
  assert.equal(await page.locator('#details-list').isHidden(), true)
  // Keyboard: arrows are focusable buttons with a spoken description; Enter selects.
  const ledger = page.locator('#graph .edge[data-server="StatefulSet db/ledger"]')
  assert.equal(await ledger.getAttribute('tabindex'), '0')
  assert.equal(await ledger.getAttribute('role'), 'button')
  assert.match(await ledger.getAttribute('aria-label') ?? '', /^CronJob batch\/nightly calls StatefulSet db\/ledger through Service ledger on 5432\/TCP/)
  await ledger.focus()
  await page.keyboard.press('Enter')
  assert.equal(await field('ports').textContent(), '5432/TCP')
  assert.equal(await field('server').textContent(), 'StatefulSet db/ledger')
})

test('filtering by namespace batch leaves only its call, and the URL keeps the filter', async () => {
  await page.locator('#namespace').selectOption('batch')
  await page.locator('#graph[data-edge-count="1"]').waitFor({ timeout: 10_000 })
  assert.deepEqual(await edgeRows(), [EDGES[0]])
  assert.deepEqual(await nodeIds(), ['CronJob batch/nightly', 'StatefulSet db/ledger'])
  assert.match(page.url(), /\?namespace=batch$/)
  // The selected call is still in view, so its details stay open.
  assert.equal(await field('ports').textContent(), '5432/TCP')
  await page.locator('#namespace').selectOption(SHOP_NS)
  await page.locator('#graph[data-edge-count="3"]').waitFor({ timeout: 10_000 })
  assert.match(page.url(), /\?namespace=shop,batch,db$/)
  assert.deepEqual(await page.locator('#namespace option').evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value)), ['', 'batch', 'db', 'shop', SHOP_NS])
  // All namespaces: the cluster's own calls too, so more than the shop's three.
  await page.locator('#namespace').selectOption('')
  await waitFor('all namespaces drawn', async () => Number(await page.locator('#graph').getAttribute('data-edge-count')) > 3 ? true : undefined, 10_000, 200)
  await page.locator('#namespace').selectOption(SHOP_NS)
  await page.locator('#graph[data-edge-count="3"]').waitFor({ timeout: 10_000 })
})

test('calls the shadow check would deny are drawn dashed red and explained in the details', async () => {
  // The page's side of GET /api/v1/shadow, with an answer in the contract's shape (whatever the mapper here has).
  const body = shadowResponseSchema.parse({
    source: 'proposed',
    policies: ['db/ledger-ingress'],
    evaluated: 3,
    denied: [{
      client: { kind: 'CronJob', namespace: 'batch', name: 'nightly' },
      server: { kind: 'StatefulSet', namespace: 'db', name: 'ledger', service: 'ledger' },
      port: { port: 5432, protocol: 'TCP' },
      deniedBy: [{ direction: 'ingress', namespace: 'db', policies: ['db/ledger-ingress'] }],
      allowedBy: []
    }],
    allowed: []
  })
  await page.route('**/api/v1/shadow*', (r) => r.fulfill({ status: 200, contentType: 'application/json', body: JSON.stringify(body) }))
  try {
    await page.goto(`${(stack as Stack).mapperUrl}/?namespace=${SHOP_NS}`)
    await page.locator('body[data-state="ready"][data-shadow] #graph[data-edge-count="3"]').waitFor({ timeout: 10_000 })
    const denied = await page.locator('#graph .edge.denied').evaluateAll((els) => els.map((e) => `${e.getAttribute('data-key')} ${e.getAttribute('data-denied')}`))
    assert.deepEqual(denied, ['CronJob batch/nightly -> StatefulSet db/ledger true'])
    assert.equal(await page.locator('#graph .edge[data-denied="false"]').count(), 2)
    assert.equal(await page.locator('#shadow-note').textContent(), 'Policy check: 1 call would be denied')
    const edge = page.locator('#graph .edge[data-server="StatefulSet db/ledger"]')
    assert.match(await edge.getAttribute('aria-label') ?? '', /would be denied by policy$/)
    await edge.locator('.label').click()
    assert.equal(await field('policy').textContent(), 'would be denied: 5432/TCP by ingress (db/ledger-ingress)')
    await page.locator('#graph .edge[data-server="Deployment shop/orders"] .label').click()
    assert.equal(await field('policy').textContent(), 'allowed')
    await edge.locator('.label').click()
    await page.screenshot({ path: SCREENSHOT.replace('.png', '-shadow.png') })
  } finally {
    await page.unroute('**/api/v1/shadow*')
  }
})

test('the page ran without script errors or CSP violations', () => {
  assert.deepEqual(browser?.errors, [])
})

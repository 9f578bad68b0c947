/**
 * The web page at scale, in headless Debian Chromium: generated maps shaped like real clusters
 * (test/mapper/web/generated-map.ts) of 300 workloads and 1,200 calls in 12 namespaces (window
 * 1440x900) and of 3,000 workloads and 12,000 calls in 40 namespaces (window 1920x1080), served by
 * the real mapper (createMapper through the test app, on loopback). The mapper has answered the map
 * and shadow routes once before the page loads, so the page is timed against a running mapper,
 * not its first request.
 *
 * Asserted: the first view is the overview (one box per namespace, at most about 60 boxes), fitted
 * in the window, with no text overlapping another (bounding boxes from the DOM); opening a namespace
 * draws its workloads in place; focusing a workload by search shows exactly it and its direct clients
 * and servers, and the focus survives as a link; nothing logs an error. Timings are printed (and
 * recorded in BENCHMARKS.md), never asserted. Screenshots go to test-results/.
 */
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import type { Page } from 'playwright-core'
import { buildTestApp } from '../mapper/test-app.js'
import { callsOf, dnsNameOf, generateMap, nodeOf, type GeneratedMap } from '../mapper/web/generated-map.js'
import { launchBrowser, type Browser } from './browser.js'
import type { Edge, Identity } from '../../src/contract/map.js'

const key = (id: Identity): string => id.namespace ? `${id.kind} ${id.namespace}/${id.name}` : `${id.kind} ${id.name}`
const group = (id: Identity): string => id.namespace ?? `~${id.kind.toLowerCase()}`

/** Texts of the graph whose bounding boxes overlap, as the browser laid them out. */
function textOverlaps (page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const rects = [...document.querySelectorAll('#graph text')].map((t) => {
      const r = t.getBoundingClientRect()
      return { name: `${t.closest('[data-node],[data-key],[data-group]')?.getAttribute('data-node') ?? t.closest('[data-key]')?.getAttribute('data-key') ?? t.closest('[data-group]')?.getAttribute('data-group')}: ${t.textContent}`, x: r.left, y: r.top, w: r.width, h: r.height }
    }).filter((r) => r.w > 0 && r.h > 0).sort((a, b) => a.x - b.x)
    const out: string[] = []
    for (let i = 0; i < rects.length; i++) {
      const a = rects[i] as typeof rects[number]
      for (let j = i + 1; j < rects.length; j++) {
        const b = rects[j] as typeof rects[number]
        if (b.x >= a.x + a.w - 0.5) break
        if (a.y < b.y + b.h - 0.5 && b.y < a.y + a.h - 0.5) out.push(`${a.name} / ${b.name}`)
      }
    }
    return out
  })
}

/** Boxes not wholly inside the graph's area (the first view must show them all). */
function boxesOutOfView (page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const area = (document.getElementById('graph') as unknown as SVGSVGElement).getBoundingClientRect()
    return [...document.querySelectorAll('#graph .node')].filter((n) => {
      const r = n.getBoundingClientRect()
      return r.left < area.left - 0.5 || r.top < area.top - 0.5 || r.right > area.right + 0.5 || r.bottom > area.bottom + 0.5
    }).map((n) => n.getAttribute('data-node') ?? '?')
  })
}

const nodes = (page: Page): Promise<string[]> => page.locator('#graph .node').evaluateAll((els) => els.map((e) => e.getAttribute('data-node') ?? '').sort())
const measures = (page: Page): Promise<Record<string, number>> => page.evaluate(() => {
  const out: Record<string, number> = {}
  for (const m of performance.getEntriesByType('measure')) out[m.name] = Math.round(m.duration)
  for (const m of performance.getEntriesByType('mark')) out[m.name] = Math.round(m.startTime)
  return out
})
const scale = (page: Page): Promise<number> => page.evaluate(() =>
  Number(/scale\(([\d.]+)\)/.exec(document.querySelector('#viewport')?.getAttribute('transform') ?? '')?.[1]))

/** What a focus on `k` must show: it and its direct neighbours, per namespace past 60 of them. */
function expectedFocus (map: GeneratedMap, k: string): { boxes: string[], calls: number } {
  const touching = map.edges.filter((e) => key(e.client) === k || key(e.server) === k)
  const neighbours = new Map<string, Identity>()
  for (const e of touching) for (const id of [e.client, e.server]) if (key(id) !== k) neighbours.set(key(id), id)
  const boxes = neighbours.size > 60 ? [...new Set([...neighbours.values()].map((id) => `group:${group(id)}`))] : [...neighbours.keys()]
  return { boxes: [k, ...boxes].sort(), calls: touching.length }
}

interface Size { workloads: number, calls: number, namespaces: number, viewport: { width: number, height: number } }
const SIZES: Size[] = [
  { workloads: 300, calls: 1200, namespaces: 12, viewport: { width: 1440, height: 900 } },
  { workloads: 3000, calls: 12000, namespaces: 40, viewport: { width: 1920, height: 1080 } }
]

for (const size of SIZES) {
  describe(`${size.workloads} workloads and ${size.calls} calls in ${size.namespaces} namespaces`, () => {
    const map = generateMap(size)
    const shot = (what: string): string => `test-results/web-${size.workloads}${what}.png`
    let browser: Browser
    let base: string
    let close: () => Promise<unknown>
    const figures: Record<string, number | string> = { workloads: size.workloads, calls: size.calls }

    before(async () => {
          const mapper = await buildTestApp({ times: { maxFutureMs: 5 * 60_000, maxPastMs: 100 * 365 * 86_400_000 } })
      await mapper.map.record(callsOf(map.edges))
      base = await mapper.app.listen({ host: '127.0.0.1', port: 0 })
      close = () => mapper.app.close()
      for (const path of ['/api/v1/map', '/api/v1/shadow']) {
        const res = await fetch(`${base}${path}`)
        assert.equal(res.status, 200, path)
        await res.arrayBuffer()
      }
      browser = await launchBrowser({ viewport: size.viewport, ignore: /\/favicon\.ico$/ })
    })
    after(async () => {
      await browser?.close()
      await close?.()
      console.log(`web page figures: ${JSON.stringify(figures)}`)
    })

    test('the first view is an overview: a box per namespace, fitted, no text over another', async () => {
      const page = browser.page
      // Reference in the same run: loading a tiny document from the same mapper (what the machine's
      // load does to any page load).
      await page.goto(`${base}/healthz`)
      figures.referencePageMs = Math.round(await page.evaluate(() => (performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming).duration))
      await page.goto(`${base}/`)
      await page.locator('body[data-state="ready"]').waitFor({ timeout: 60_000 })
      const m = await measures(page)
      Object.assign(figures, { firstViewMs: m['podmap:ready'] ?? -1, scriptStartMs: m['podmap:start'] ?? -1, fetchMs: m['podmap:fetch'] ?? -1, indexMs: m['podmap:index'] ?? -1, sceneMs: m['podmap:scene'] ?? -1, layoutMs: m['podmap:picture'] ?? -1, drawMs: m['podmap:draw'] ?? -1 })
      assert.equal(await page.locator('#graph').getAttribute('data-mode'), 'overview')
      assert.equal(await page.locator('#graph').getAttribute('data-edge-count'), String(size.calls))
      const boxes = await nodes(page)
      assert.ok(boxes.length <= 60, `${boxes.length} boxes`)
      assert.deepEqual(boxes, [...map.namespaces.map((n) => `group:${n}`), 'group:~external'].sort())
      assert.deepEqual(await textOverlaps(page), [])
      assert.deepEqual(await boxesOutOfView(page), [])
      figures.scale = Number((await scale(page)).toFixed(2))
      figures.arrows = Number(await page.locator('#graph').getAttribute('data-link-count'))
      // Names stay legible: a namespace's name is drawn at least 8 px high.
      const nameHeight = await page.locator('#graph .node .name').first().evaluate((t) => t.getBoundingClientRect().height)
      figures.namePx = Number(nameHeight.toFixed(1))
      assert.ok(nameHeight >= 8, `namespace names drawn ${nameHeight} px high`)
      assert.match(await page.locator('#status').textContent() ?? '', new RegExp(`^${size.calls} calls between ${size.workloads} workloads`))
      await page.screenshot({ path: shot('') })
    })

    test('an aggregated arrow tells how many calls on which ports, and lists them', async () => {
      const page = browser.page
      const arrow = page.locator('#graph .edge.aggregated').first()
      const [from, to] = [await arrow.getAttribute('data-client'), await arrow.getAttribute('data-server')]
      const calls = map.edges.filter((e) => `group:${group(e.client)}` === from && `group:${group(e.server)}` === to)
      assert.ok(calls.length > 0)
      assert.equal(await arrow.getAttribute('data-calls'), String(calls.length))
      assert.match(await arrow.locator('title').textContent() ?? '', new RegExp(`: ${calls.length} calls? on \\d+/TCP \\(\\d+\\)`))
      await arrow.focus()
      await page.keyboard.press('Enter')
      assert.equal(await page.locator('#details-list dd[data-field="calls"]').textContent(), String(calls.length))
      assert.equal(await page.locator('#calls-list button.call').count(), Math.min(50, calls.length))
    })

    test('opening a namespace draws its workloads in place, the others stay boxes', async () => {
      const page = browser.page
      const ns = map.namespaces[1] as string
      await page.locator(`#graph .node[data-node="group:${ns}"]`).click()
      await page.locator(`#graph .group[data-group="${ns}"]`).waitFor({ timeout: 10_000 })
      const members = map.workloads.filter((w) => w.namespace === ns).map(key)
      const boxes = await nodes(page)
      assert.deepEqual(boxes.filter((b) => !b.startsWith('group:')), members.sort())
      assert.equal(boxes.filter((b) => b.startsWith('group:')).length, map.namespaces.length)
      assert.match(page.url(), new RegExp(`[?&]expand=${ns}(&|$)`))
      assert.deepEqual(await textOverlaps(page), [])
      await page.screenshot({ path: shot('-open') })
      await page.goBack()
      await page.locator('#graph[data-mode="overview"]').waitFor()
      assert.equal(await page.locator('#graph .group').count(), 0)
    })

    test('searching a workload focuses on it and its direct clients and servers; the view is a link', async () => {
      const page = browser.page
      // The busiest workload: the hardest focus.
      const degree = new Map<string, number>()
      for (const e of map.edges) for (const id of [e.client, e.server]) degree.set(key(id), (degree.get(key(id)) ?? 0) + 1)
      const [hub] = [...degree].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))[0] as [string, number]
      const want = expectedFocus(map, hub)
      await page.evaluate(() => {
        const w = window as unknown as { longest: number }
        w.longest = 0
        new PerformanceObserver((list) => { for (const e of list.getEntries()) w.longest = Math.max(w.longest, e.duration) }).observe({ type: 'longtask' })
      })
      await page.locator('#search-input').fill(hub)
      const t0 = await page.evaluate(() => performance.now())
      await page.locator('#search-input').press('Enter')
      await page.locator('#graph[data-mode="focus"]').waitFor({ timeout: 30_000 })
      const drawn = await page.evaluate(() => { const d = performance.getEntriesByName('podmap:draw').pop(); return d ? d.startTime + d.duration : NaN })
      // Responsive: how long from Enter until the focus was drawn, and the longest the main thread
      // was busy at a time meanwhile (tasks over 50 ms; 0 when none was that long).
      Object.assign(figures, {
        focus: hub, focusNeighbours: want.boxes.length - 1, focusCalls: want.calls,
        focusDrawMs: Math.round(drawn - t0), focusLongestTaskMs: Math.round(await page.evaluate(() => (window as unknown as { longest: number }).longest))
      })
      assert.deepEqual(await nodes(page), want.boxes)
      const calls = await page.locator('#graph .edge').evaluateAll((els) => els.reduce((n, e) => n + Number(e.getAttribute('data-calls')), 0))
      assert.equal(calls, want.calls)
      assert.deepEqual(await textOverlaps(page), [])
      assert.match(await page.locator('#focus-text').textContent() ?? '', new RegExp(`^Focused on ${hub.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: `))
      await page.screenshot({ path: shot('-focus') })
      // The same view from its link, in a fresh load.
      const link = page.url()
      assert.match(link, /[?&]focus=/)
      await page.goto(link)
      await page.locator('body[data-state="ready"] #graph[data-mode="focus"]').waitFor({ timeout: 60_000 })
      assert.deepEqual(await nodes(page), want.boxes)
      await page.locator('#unfocus').click()
      await page.locator('#graph[data-mode="overview"]').waitFor()
    })

    test('a focus on a workload with few neighbours shows each of them, one arrow per call, with its ports', async () => {
      const page = browser.page
      const small = map.edges.find((e) => e.client.name.endsWith('-web') && e.client.namespace === map.namespaces[0]) as Edge
      const k = key(small.client)
      const want = expectedFocus(map, k)
      await page.locator('#search-input').fill(`${small.client.namespace as string}/${small.client.name}`)
      await page.locator('#search-input').press('Enter')
      await page.locator('#graph[data-mode="focus"]').waitFor()
      assert.deepEqual(await nodes(page), want.boxes)
      const arrows = await page.locator('#graph .edge').evaluateAll((els) => els.map((e) => `${e.getAttribute('data-key')} ${e.getAttribute('data-ports')}`).sort())
      assert.deepEqual(arrows, map.edges.filter((e) => key(e.client) === k || key(e.server) === k)
        .map((e) => `${key(e.client)} -> ${key(e.server)} ${e.ports.map((p) => `${p.port}/${p.protocol}`).join(', ')}`).sort())
      assert.ok(await page.locator('#graph .edge .label').count() > 0, 'ports printed on the arrows')
      assert.deepEqual(await textOverlaps(page), [])
      // Its details say why it is in the map (GET /api/v1/explain): the name asked, the node that saw it.
      const arrow = page.locator(`#graph .edge[data-key="${key(small.client)} -> ${key(small.server)}"]`)
      await arrow.focus()
      await page.keyboard.press('Enter')
      await page.locator('#explain[data-state="ready"]').waitFor()
      const field = (f: string) => page.locator(`#explain-list dd[data-field="${f}"]`).textContent()
      assert.equal(await field('dns-names'), dnsNameOf(small.server))
      assert.equal(await field('nodes'), nodeOf(small.client))
      assert.equal(await field('services'), small.server.service ?? 'none')
      assert.equal(await field('evidence-counts'), 'dns ×1, tcp ×1')
      assert.equal(await field('port-counts'), `${small.ports[0]?.port ?? 0}/TCP ×2`)
    })

    test('no script errors or CSP violations', () => {
      assert.deepEqual(browser.errors, [])
    })
  })
}

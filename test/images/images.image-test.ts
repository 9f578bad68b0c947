/**
 * Builds both images from the Dockerfiles with buildah and runs them. The mapper image's own
 * entrypoint must answer /healthz and /readyz against a fake API server, serve the web page and
 * the SVG and PNG graphs of a posted report, and keep the map in its PODMAP_STATE_DIR (written by
 * uid 10001) across a restart; its PNG renderer must find the fonts the image ships. The sniffer
 * image must load the `cap` addon against its run-time libpcap, hold only its bundle and that addon,
 * and its entrypoint must capture a DNS response on lo and report it to the mapper image. Slow (minutes on a cold cache), so
 * it is named *.image-test.ts to stay out of `npm test`: run it through `npm run test:images`
 * (scripts/test-images.sh), which first installs buildah, builds the local base and builds from
 * HEAD. PODMAP_IMAGE_GIT_REF=REF builds the committed tree of REF instead of the working tree.
 */
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { createHash } from 'node:crypto'
import { createSocket } from 'node:dgram'
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import dnsPacket from 'dns-packet'
import { startFakeApiServer, type FakeApiServer, type KubeObj } from '../testbed/fake-apiserver.js'
import { IP, shopObjects } from '../mapper/fixtures.js'
import { mapResponseSchema } from '../../src/contract/map.js'
import { buildahAvailable, fromImage, imageConfig, imageExists, removeContainer, runIn, startIn } from './buildah.js'
import { freePort } from '../testbed/free-port.js'
import { createMemoryCgroup } from '../testbed/memory-cgroup.js'

const exec = promisify(execFile)
const ROOT = join(import.meta.dirname, '..', '..')
// The local base holding the pinned Node (scripts/build-base-image.sh; scripts/test-images.sh names it).
const BASE = process.env.PODMAP_BASE_IMAGE ?? ''
const TAG = 'test'
const MAPPER = `localhost/podmap-mapper:${TAG}`
const SNIFFER = `localhost/podmap-sniffer:${TAG}`
const TOKEN = 'image-test-token'
const containers: string[] = []

before(async () => {
  assert.ok(BASE !== '', 'PODMAP_BASE_IMAGE is unset: run the image test through `npm run test:images` (scripts/test-images.sh)')
  assert.ok(await buildahAvailable(), 'buildah is missing: run `bash scripts/test-images.sh` (it installs buildah and debootstrap)')
  assert.ok(await imageExists(BASE), `base image ${BASE} is missing: run \`bash scripts/test-images.sh\` (it builds it with scripts/build-base-image.sh)`)
  const started = Date.now()
  const ref = process.env.PODMAP_IMAGE_GIT_REF
  const args = [join(ROOT, 'scripts', 'build-images.sh'), '--base', BASE, '--tag', TAG, ...(ref ? ['--git-ref', ref] : [])]
  try {
    await exec('bash', args, { cwd: ROOT, timeout: 30 * 60_000, maxBuffer: 64 << 20 })
  } catch (err) {
    const e = err as { stdout?: string, stderr?: string }
    const tail = `${e.stdout ?? ''}\n${e.stderr ?? ''}`.split('\n').filter((l) => !l.includes('EBADENGINE')).slice(-40).join('\n')
    throw new Error(`scripts/build-images.sh failed; the end of its output:\n${tail}`)
  }
  process.stdout.write(`# both images built in ${Math.round((Date.now() - started) / 1000)}s\n`)
}, { timeout: 31 * 60_000 })

after(async () => {
  for (const c of containers) await removeContainer(c)
})

async function container (image: string): Promise<string> {
  const c = await fromImage(image)
  containers.push(c)
  return c
}


async function get (url: string, headers: Record<string, string> = {}): Promise<{ status: number, body: string } | undefined> {
  try {
    const res = await fetch(url, { headers, signal: AbortSignal.timeout(2000) })
    return { status: res.status, body: await res.text() }
  } catch {
    return undefined
  }
}

/** Polls until `ok` holds, at most `tries` times, 250 ms apart. */
async function poll (url: string, ok: (r: { status: number }) => boolean, tries: number): Promise<{ status: number, body: string } | undefined> {
  let last: { status: number, body: string } | undefined
  for (let i = 0; i < tries; i++) {
    last = await get(url)
    if (last !== undefined && ok(last)) return last
    await new Promise((resolve) => setTimeout(resolve, 250))
  }
  return last
}

for (const image of [MAPPER, SNIFFER]) {
  test(`${image}: runs the very node the tests run on (the pinned Node 24)`, async () => {
    const ctr = await container(image)
    // One run of the image's `node`: its version and the sha256 of its own binary.
    const probe = "process.stdout.write(JSON.stringify({ version: process.version, sha256: require('crypto').createHash('sha256').update(require('fs').readFileSync(process.execPath)).digest('hex') }))"
    const res = await runIn(ctr, ['node', '-e', probe])
    assert.equal(res.code, 0, res.stderr)
    const inImage = JSON.parse(res.stdout) as { version: string, sha256: string }
    assert.equal(inImage.version, process.version)
    assert.match(process.version, /^v24\./)
    const local = createHash('sha256').update(await readFile(process.execPath)).digest('hex')
    assert.equal(inImage.sha256, local, `the node in ${image} differs from ${process.execPath}`)
  })
}

test('mapper image: non-root, node entrypoint, no HEALTHCHECK, no compiler', async () => {
  const { config, healthcheck } = await imageConfig(MAPPER)
  assert.equal(config.User, '10001:10001')
  assert.deepEqual(config.Entrypoint, ['node', '/app/bin/podmap.js'])
  assert.deepEqual(config.Cmd, ['mapper'])
  assert.equal(healthcheck, undefined)
  const ctr = await container(MAPPER)
  const id = await runIn(ctr, ['id', '-u'])
  assert.equal(id.stdout.trim(), '10001', `id -u exited ${id.code}: ${id.stderr}`)
  const cc = await runIn(ctr, ['sh', '-c', 'command -v g++ make python3 || echo none'])
  assert.equal(cc.stdout.trim(), 'none', cc.stderr)
})

test('mapper image: its heap limit follows the container\'s memory limit (NODE_OPTIONS), not the host\'s', async () => {
  const { config } = await imageConfig(MAPPER)
  assert.ok((config.Env ?? []).includes('NODE_OPTIONS=--max-old-space-size-percentage=70'), `image env: ${(config.Env ?? []).join(' ')}`)
  const ctr = await container(MAPPER)
  // buildah run in a 1 GiB memory cgroup of our own, as a pod's limit: node there sizes its heap from it.
  const cgroup = createMemoryCgroup(`podmap-image-test-${process.pid}`, 1024 ** 3)
  try {
    const probe = 'const v8 = require("node:v8"); console.log(JSON.stringify({ limit: v8.getHeapStatistics().heap_size_limit, constrained: process.constrainedMemory() }))'
    const [cmd, ...args] = cgroup.wrap(['buildah', 'run', '--isolation', 'chroot', ctr, '--', 'node', '-e', probe])
    const out = await new Promise<string>((resolve, reject) => {
      execFile(cmd as string, args, { timeout: 60_000 }, (err, stdout, stderr) => { if (err) reject(new Error(`${err.message}\n${stderr}`)); else resolve(stdout) })
    })
    const { limit, constrained } = JSON.parse(out.trim().split('\n').pop() as string) as { limit: number, constrained: number }
    assert.equal(constrained, 1024 ** 3, 'node sees the cgroup\'s limit')
    const mib = limit / 1048576
    assert.ok(mib > 0.65 * 1024 && mib < 0.8 * 1024, `heap limit ${mib.toFixed(0)} MiB in a 1 GiB container: 70 % of it (Node alone would take about half)`)
  } finally {
    cgroup.remove()
  }
})

/** The kubeconfig and sniffer token the mapper image reads, in a folder mounted read-only at /cfg. */
async function mapperConfigDir (api: FakeApiServer): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'podmap-image-'))
  await api.writeKubeconfig(join(dir, 'kubeconfig'))
  await writeFile(join(dir, 'token'), `${TOKEN}\n`)
  await chmod(dir, 0o755)
  await chmod(join(dir, 'kubeconfig'), 0o644)
  await chmod(join(dir, 'token'), 0o644)
  return dir
}

/** Runs the mapper image's own entrypoint and command in `ctr` and waits until /readyz is 200. */
async function startMapper (ctr: string, cfg: string): Promise<{ run: ReturnType<typeof startIn>, base: string }> {
  const port = await freePort()
  const { config } = await imageConfig(MAPPER)
  const argv = [...(config.Entrypoint ?? []), ...(config.Cmd ?? []),
    '--kubeconfig', '/cfg/kubeconfig', '--token-file', '/cfg/token', '--host', '127.0.0.1', '--port', String(port)]
  const run = startIn(ctr, argv, [`${cfg}:/cfg:ro`])
  const base = `http://127.0.0.1:${port}`
  try {
    const health = await poll(`${base}/healthz`, (r) => r.status === 200, 240)
    assert.equal(health?.status, 200, `no /healthz from the mapper image; its output:\n${run.output()}`)
    const ready = await poll(`${base}/readyz`, (r) => r.status === 200, 120)
    assert.equal(ready?.status, 200, `not ready; output:\n${run.output()}`)
  } catch (err) {
    await run.stop()
    throw err
  }
  return { run, base }
}

test('mapper image: its entrypoint serves /healthz, then /readyz once informers sync, and the map', { timeout: 120_000 }, async () => {
  const api: FakeApiServer = await startFakeApiServer({ bookmarkIntervalMs: 1000 })
  api.load([{ kind: 'Namespace', metadata: { name: 'shop' } }])
  const cfg = await mapperConfigDir(api)
  const ctr = await container(MAPPER)
  let run: ReturnType<typeof startIn> | undefined
  try {
    const started = await startMapper(ctr, cfg)
    run = started.run
    const map = await get(`${started.base}/api/v1/map`)
    assert.equal(map?.status, 200)
    assert.deepEqual((JSON.parse(map?.body ?? '{}') as { edges?: unknown[] }).edges, [])
    const metrics = await get(`${started.base}/metrics`)
    assert.equal(metrics?.status, 200)
    assert.match(metrics?.body ?? '', /^# HELP /m)
  } finally {
    await run?.stop()
    await api.close()
    await rm(cfg, { recursive: true, force: true })
  }
})

/** One sniffer report: checkout looked up and called the orders Service, on the fixture cluster. */
function shopReport () {
  const now = Date.now()
  return {
    version: 1,
    node: 'node-a',
    sentAt: now,
    dns: [{ client: IP.checkout, name: 'orders.shop.svc.cluster.local', answers: [IP.ordersSvc], ttl: 30, firstSeen: now, lastSeen: now, count: 1 }],
    sockets: [{ client: IP.checkout, server: IP.ordersSvc, port: 80, protocol: 'TCP', firstSeen: now, lastSeen: now, count: 3 }]
  }
}

async function shopEdges (base: string): Promise<string[]> {
  const res = await get(`${base}/api/v1/map`)
  assert.equal(res?.status, 200, res?.body)
  const map = mapResponseSchema.parse(JSON.parse(res?.body ?? '{}'))
  return map.edges.map((e) => `${e.client.namespace ?? ''}/${e.client.name} -> ${e.server.namespace ?? ''}/${e.server.name}`).sort()
}

const PNG_MAGIC = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])

test('mapper image: web page, SVG and PNG graphs, and the map kept in PODMAP_STATE_DIR across a restart', { timeout: 240_000 }, async () => {
  const api: FakeApiServer = await startFakeApiServer({ bookmarkIntervalMs: 1000 })
  api.load(shopObjects().map(([, o]) => structuredClone(o) as KubeObj))
  const cfg = await mapperConfigDir(api)
  const ctr = await container(MAPPER)
  let run: ReturnType<typeof startIn> | undefined
  try {
    const { config } = await imageConfig(MAPPER)
    const stateDir = (config.Env ?? []).find((e) => e.startsWith('PODMAP_STATE_DIR='))?.slice('PODMAP_STATE_DIR='.length)
    assert.ok(stateDir !== undefined && stateDir.startsWith('/'), `PODMAP_STATE_DIR in the image's environment: ${(config.Env ?? []).join(' ')}`)
    let started = await startMapper(ctr, cfg)
    run = started.run

    const page = await fetch(`${started.base}/`, { signal: AbortSignal.timeout(5000) })
    const html = await page.text()
    assert.equal(page.status, 200, html)
    assert.match(page.headers.get('content-type') ?? '', /^text\/html/)
    assert.match(html, /<html/i)
    const script = /src="(\/assets\/app\.js\?v=[^"]+)"/.exec(html)
    assert.ok(script?.[1] !== undefined, 'the page links its versioned script')
    const js = await get(`${started.base}${script[1]}`)
    assert.equal(js?.status, 200, 'the linked script is served')

    const post = await fetch(`${started.base}/api/v1/reports`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify(shopReport()),
      signal: AbortSignal.timeout(5000)
    })
    assert.equal(post.status, 200, await post.text())
    const edges = await shopEdges(started.base)
    assert.deepEqual(edges, ['shop/checkout -> shop/orders'])

    const svg = await fetch(`${started.base}/api/v1/graph?format=svg`, { signal: AbortSignal.timeout(30_000) })
    const svgText = await svg.text()
    assert.equal(svg.status, 200, svgText)
    assert.match(svg.headers.get('content-type') ?? '', /^image\/svg\+xml/)
    assert.match(svgText, /<svg[\s>]/)
    assert.match(svgText, /checkout/)
    assert.match(svgText, /orders/)

    const png = await fetch(`${started.base}/api/v1/graph?format=png`, { signal: AbortSignal.timeout(30_000) })
    const pngBytes = Buffer.from(await png.arrayBuffer())
    assert.equal(png.status, 200, pngBytes.toString('utf8', 0, 500))
    assert.equal(png.headers.get('content-type'), 'image/png')
    assert.deepEqual(pngBytes.subarray(0, 8), PNG_MAGIC, 'PNG signature')
    assert.ok(pngBytes.readUInt32BE(16) > 0 && pngBytes.readUInt32BE(20) > 0, 'IHDR width and height')

    // Restart the entrypoint in the same container: the map comes back from the state directory,
    // which uid 10001 wrote to.
    await run.stop()
    run = undefined
    const files = await runIn(ctr, ['sh', '-c', `find ${stateDir} -mindepth 1 -type f -printf '%U %p\\n'`])
    assert.equal(files.code, 0, files.stderr)
    const owners = files.stdout.trim().split('\n').filter((l) => l !== '')
    assert.ok(owners.length > 0, `the mapper wrote nothing under ${stateDir}`)
    for (const line of owners) assert.match(line, /^10001 /, `state file not written by uid 10001: ${line}`)
    started = await startMapper(ctr, cfg)
    run = started.run
    assert.deepEqual(await shopEdges(started.base), ['shop/checkout -> shop/orders'], 'the map survives a restart')
  } finally {
    await run?.stop()
    await api.close()
    await rm(cfg, { recursive: true, force: true })
  }
})

test('mapper image: resvg draws text with the fonts the image ships', async () => {
  const ctr = await container(MAPPER)
  // Without any font, resvg lays out no glyphs and the text leaves every pixel transparent.
  const script = [
    "const { Resvg } = require('@resvg/resvg-js')",
    "const svg = '<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"200\" height=\"40\"><text x=\"5\" y=\"30\" font-family=\"DejaVu Sans\" font-size=\"24\">podmap</text></svg>'",
    "const r = new Resvg(svg, { font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' } }).render()",
    'let inked = 0',
    'for (let i = 3; i < r.pixels.length; i += 4) if (r.pixels[i] > 0) inked++',
    'console.log(JSON.stringify({ inked }))'
  ].join('\n')
  const res = await runIn(ctr, ['node', '-e', script])
  assert.equal(res.code, 0, res.stderr)
  const { inked } = JSON.parse(res.stdout) as { inked: number }
  assert.ok(inked > 100, `pixels inked by the text: ${inked}`)
})

test('sniffer image: root for its capabilities, node entrypoint, no HEALTHCHECK, no compiler', async () => {
  const { config, healthcheck } = await imageConfig(SNIFFER)
  assert.ok(config.User === '0' || config.User === '' || config.User === undefined, `user ${String(config.User)}`)
  // The runtime settings BENCHMARKS.md measured (bench:dns reads them from Dockerfile.sniffer).
  assert.deepEqual(config.Entrypoint, ['node', '--max-semi-space-size=1', '--v8-pool-size=1', '--optimize-for-size', '--expose-gc', '--no-maglev', '--single-threaded-gc', '--no-sparkplug', '/app/podmap-sniffer.mjs'])
  assert.deepEqual(config.Cmd, ['sniffer'])
  assert.equal(healthcheck, undefined)
  assert.ok(config.Env?.includes('MALLOC_ARENA_MAX=2'), `env: ${String(config.Env)}`)
  const ctr = await container(SNIFFER)
  const cc = await runIn(ctr, ['sh', '-c', 'command -v g++ make python3 || echo none'])
  assert.equal(cc.stdout.trim(), 'none', cc.stderr)
})

test('sniffer image: loads the patched `cap` against the run-time libpcap and lists devices', async () => {
  const ctr = await container(SNIFFER)
  const res = await runIn(ctr, ['node', '-e',
    "const { Cap } = require('cap'); const c = new Cap(); console.log(JSON.stringify({ devices: Cap.deviceList().map((d) => d.name), patched: typeof c.stats === 'function' }))"])
  assert.equal(res.code, 0, res.stderr)
  const out = JSON.parse(res.stdout) as { devices: string[], patched: boolean }
  assert.ok(out.devices.includes('any'), `devices: ${out.devices.join(', ')}`)
  // The sniffer refuses to start on a stock `cap`: patches/ must have been applied before the compile.
  assert.equal(out.patched, true, 'cap in the image has stats() from patches/cap+0.2.1.patch')
  const { config } = await imageConfig(SNIFFER)
  const help = await runIn(ctr, [...(config.Entrypoint ?? []), 'sniffer', '--help'])
  assert.equal(help.code, 0, help.stderr)
  assert.match(help.stdout, /--proc-root/)
  // One bundle and one addon: no mapper, client or CLI code in the sniffer image.
  const modules = await runIn(ctr, ['sh', '-c', 'ls /app /app/node_modules'])
  assert.equal(modules.code, 0, modules.stderr)
  assert.deepEqual(modules.stdout.split(/\s+/).filter((l) => l !== '' && !l.endsWith(':')).sort(), ['cap', 'node_modules', 'podmap-sniffer.mjs'])
})

test('sniffer image: its entrypoint captures a DNS response on lo and reports it to the mapper image', { timeout: 180_000 }, async () => {
  const api: FakeApiServer = await startFakeApiServer({ bookmarkIntervalMs: 1000 })
  api.load([{ kind: 'Namespace', metadata: { name: 'shop' } }])
  const cfg = await mapperConfigDir(api)
  const mapperCtr = await container(MAPPER)
  const snifferCtr = await container(SNIFFER)
  let mapper: Awaited<ReturnType<typeof startMapper>> | undefined
  let sniffer: ReturnType<typeof startIn> | undefined
  try {
    mapper = await startMapper(mapperCtr, cfg)
    const metricsPort = await freePort()
    const { config } = await imageConfig(SNIFFER)
    sniffer = startIn(snifferCtr, [...(config.Entrypoint ?? []), ...(config.Cmd ?? []),
      '--mapper-url', mapper.base, '--token-file', '/cfg/token', '--interface', 'lo', '--node-name', 'image-test',
      '--metrics-host', '127.0.0.1', '--metrics-port', String(metricsPort), '--report-interval', '1s', '--scan-interval', '1s'],
    [`${cfg}:/cfg:ro`], ['CAP_NET_RAW', 'CAP_SYS_PTRACE']) // what the chart adds (helm/podmap/values.yaml)
    const metricsUrl = `http://127.0.0.1:${metricsPort}/metrics`
    const up = await poll(`http://127.0.0.1:${metricsPort}/healthz`, (r) => r.status === 200, 120)
    assert.equal(up?.status, 200, `no /healthz from the sniffer image; its output:\n${sniffer.output()}`)
    // A DNS response from port 53 on loopback, as a resolver would send it.
    const answer = dnsPacket.encode({ type: 'response', id: 4242, flags: dnsPacket.RECURSION_DESIRED | dnsPacket.RECURSION_AVAILABLE,
      questions: [{ type: 'A', name: 'orders.shop.svc.cluster.local' }],
      answers: [{ type: 'A', name: 'orders.shop.svc.cluster.local', ttl: 30, data: '10.96.0.42' }] })
    let reported = false
    for (let i = 0; i < 40 && !reported; i++) {
      await sendUdp(answer, 53, 45353)
      await new Promise((resolve) => setTimeout(resolve, 500))
      const m = await get(metricsUrl)
      reported = /^podmap_sniffer_records_sent_total [1-9]/m.test(m?.body ?? '')
    }
    const m = (await get(metricsUrl))?.body ?? ''
    assert.ok(reported, `the sniffer image sent no record; its metrics:\n${m.split('\n').filter((l) => l.startsWith('podmap_sniffer_') && !l.includes('_bucket')).join('\n')}\noutput:\n${sniffer.output()}`)
    assert.match(m, /^podmap_sniffer_dns_responses_total [1-9]/m)
    assert.match(m, /^podmap_sniffer_pcap_dropped_total 0$/m)
    const ingested = (await get(`${mapper.base}/metrics`))?.body ?? ''
    assert.match(ingested, /^podmap_mapper_records_ingested_total\{source="dns"\} [1-9]/m)
    // Its entrypoint's --expose-gc reaches the sniffer: the heap keeper runs (BENCHMARKS.md, memory).
    assert.match(sniffer.output(), /"heapKeeper":true/)
    const rss = Number(/^podmap_sniffer_process_resident_memory_bytes (\d+)/m.exec(m)?.[1])
    process.stdout.write(`# sniffer image: resident ${(rss / 1048576).toFixed(1)} MiB after start and a few reports\n`)
  } finally {
    await sniffer?.stop()
    await mapper?.run.stop()
    await api.close()
    await rm(cfg, { recursive: true, force: true })
  }
})

/** One UDP datagram from 127.0.0.1:fromPort to 127.0.0.1:toPort (binding port 53 needs root, as the tests run). */
async function sendUdp (payload: Buffer, fromPort: number, toPort: number): Promise<void> {
  const socket = createSocket('udp4')
  try {
    await new Promise<void>((resolve, reject) => { socket.once('error', reject); socket.bind(fromPort, '127.0.0.1', () => resolve()) })
    await new Promise<void>((resolve, reject) => socket.send(payload, toPort, '127.0.0.1', (err) => err ? reject(err) : resolve()))
  } finally {
    socket.close()
  }
}

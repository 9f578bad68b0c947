/**
 * Security: the read API token (--read-token-file) and the CLI sending it; body, batch and rate
 * limits; request timeouts; no token in logs, errors or metrics; npm audit; the mapper's
 * ServiceAccount cannot read Secrets in the rendered chart.
 */
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { connect as netConnect } from 'node:net'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import { fileURLToPath } from 'node:url'
import { createLogger, REDACT_PATHS } from '../../src/log/logger.js'
import { createTokenCheck } from '../../mapper/http/token-check.js'
import { createRateLimiter } from '../../mapper/http/rate-limit.js'
import { shopIndex } from '../mapper/fixtures.js'
import { claimRun } from '../testbed/owned-run.js'
import { startControlPlane, type ControlPlane } from '../testbed/control-plane/control-plane.js'
import { render, type KubeDoc } from '../helm/helm-cli.js'
import { appFixture, auth, IP, T0, TOKEN, validReport } from './app-fixture.js'
import { startMapperProcess, type MapperProcess } from './mapper-process.js'
import { recordFigure } from './figures.js'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const BIN = join(ROOT, 'bin', 'podmap.js')
const READ_TOKEN = 'read-t0ken-abcdef-987654'
const readAuth = { authorization: `Bearer ${READ_TOKEN}` }

test('--read-token-file: every read route needs the read token, however its path is spelled; health, readiness and metrics stay open', async () => {
  const { app, logged, registry } = await appFixture({ readToken: READ_TOKEN })
  assert.equal((await app.inject({ method: 'POST', url: '/api/v1/reports', headers: auth, payload: validReport() })).statusCode, 200, 'writes still use the report token')
  let checked = 0
  for (const url of ['/api/v1/map', '/api/v1/map?namespace=shop', '/%61pi/v1/map', '/ap%69/v1/export?format=json', '/api/v1/graph?format=dot', '/api/v1/snapshots', '/api/v1/diff?from=1h']) {
    for (const headers of [{}, { authorization: `Bearer ${TOKEN}` }, { authorization: `Bearer ${READ_TOKEN}x` }, { authorization: READ_TOKEN }]) {
      const res = await app.inject({ method: 'GET', url, headers })
      checked++
      assert.equal(res.statusCode, 401, `${url} ${JSON.stringify(headers)}`)
      assert.equal(res.json().code, 'PODMAP_ERR_UNAUTHORIZED')
      assert.ok(!res.body.includes(READ_TOKEN) && !res.body.includes(TOKEN), 'the token is not echoed')
    }
  }
  const ok = await app.inject({ method: 'GET', url: '/api/v1/map', headers: readAuth })
  assert.equal(ok.statusCode, 200)
  assert.equal(ok.json().edges.length, 1)
  assert.equal((await app.inject({ method: 'POST', url: '/api/v1/reports', headers: readAuth, payload: validReport() })).statusCode, 401, 'the read token cannot write')
  for (const url of ['/healthz', '/readyz', '/metrics']) assert.equal((await app.inject(url)).statusCode, 200, url)
  const metrics = await registry.metrics()
  assert.ok(!metrics.includes(READ_TOKEN) && !metrics.includes(TOKEN))
  assert.ok(!logged.join('').includes(READ_TOKEN) && !logged.join('').includes(TOKEN))
  // Off by default: the same app without a read token serves GETs openly.
  const open = await appFixture()
  assert.equal((await open.app.inject('/api/v1/map')).statusCode, 200)
  recordFigure({ area: 'security', test: 'read API token (--read-token-file)', figure: `${checked} GETs without the right read token -> 401 (no token echoed); with it 200; report token cannot read, read token cannot write; /healthz, /readyz, /metrics open`, inputs: checked, file: 'test/reliability/security.test.ts' })
})

let cp: ControlPlane
let mapper: MapperProcess
before(async () => {
  // The real control plane (an empty cluster is enough: these tests are about the mapper's HTTP side).
  cp = await startControlPlane({ run: claimRun('security') })
  mapper = await startMapperProcess({ kubeconfig: cp.adminKubeconfig }, ['--read-token-file', '{dir}/read-token', '--request-timeout', '1s', '--log-level', 'info'], { 'read-token': READ_TOKEN + '\n' })
})
after(async () => { await mapper?.cleanup(); await cp?.stop() })

function cli (args: string[]): Promise<{ code: number, stdout: string, stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { timeout: 20_000, env: { PATH: process.env.PATH ?? '' } }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr })
    })
  })
}

test('the real mapper with --read-token-file: the CLI sends the token; without it one clear line, exit 1', async () => {
  const file = join(mapper.dir, 'read-token')
  const withToken = await cli(['list', '--mapper-url', mapper.url, '--read-token-file', file, '-o', 'json'])
  assert.equal(withToken.code, 0, withToken.stderr)
  assert.deepEqual(JSON.parse(withToken.stdout), { edges: [] })
  const without = await cli(['list', '--mapper-url', mapper.url])
  assert.equal(without.code, 1)
  assert.match(without.stderr.split('\n')[0] ?? '', /^podmap list: .*401|unauthori[sz]ed|token/i)
  const res = await fetch(`${mapper.url}/metrics`)
  assert.equal(res.status, 200)
  const text = await res.text()
  assert.ok(!text.includes(READ_TOKEN) && !text.includes(mapper.token))
  assert.ok(!mapper.logs.join('\n').includes(READ_TOKEN) && !mapper.logs.join('\n').includes(mapper.token), 'no token in the mapper\'s log')
  recordFigure({ area: 'security', test: 'CLI sends the read token', figure: '`podmap list --read-token-file` -> exit 0 with the map; without it -> exit 1, one line naming the 401; no token in the process log or /metrics', inputs: 2, file: 'test/reliability/security.test.ts' })
})

test('request timeout: a client that sends half a request is cut off (408), the mapper keeps serving', async () => {
  const port = Number(new URL(mapper.url).port)
  const outcome = await new Promise<string>((resolve) => {
    const sock = netConnect(port, '127.0.0.1', () => {
      sock.write(`POST /api/v1/reports HTTP/1.1\r\nhost: x\r\nauthorization: Bearer ${mapper.token}\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n{"version":`)
    })
    let data = ''
    sock.on('data', (d) => { data += String(d) })
    const guard = setTimeout(() => { sock.destroy(); resolve('still open after 20 s') }, 20_000)
    sock.on('close', () => { clearTimeout(guard); resolve(data.split('\r\n')[0] ?? '') })
    sock.on('error', () => {})
  })
  assert.match(outcome, /^HTTP\/1\.1 408 /, `the half request was answered 408: ${outcome}`)
  assert.notEqual(outcome, 'still open after 20 s')
  assert.equal((await fetch(`${mapper.url}/healthz`)).status, 200)
  recordFigure({ area: 'security', test: 'request timeout', figure: `half a request held open: cut off by the 1 s --request-timeout (${outcome || 'closed'}); the mapper kept serving`, faults: 1, file: 'test/reliability/security.test.ts' })
})

test('rate limit per sniffer: keyed by the sender, not by the node name it claims; past the burst a 429 with Retry-After; bad tokens spend nothing', async () => {
  const { app, store } = await appFixture({ reportRate: { ratePerSecond: 0.5, burst: 3 } })
  const post = (node: string, remoteAddress: string, headers: Record<string, string> = auth) =>
    app.inject({ method: 'POST', url: '/api/v1/reports', headers, payload: validReport(node), remoteAddress })
  for (let i = 0; i < 10; i++) assert.equal((await post('node-a', '10.0.0.1', { authorization: 'Bearer nope' })).statusCode, 401, 'unauthenticated posts are refused, not counted')
  for (let i = 0; i < 3; i++) assert.equal((await post('node-a', '10.0.0.1')).statusCode, 200)
  const before = JSON.stringify(store.list())
  const limited = await post('node-a', '10.0.0.1')
  assert.equal(limited.statusCode, 429)
  assert.equal(limited.json().code, 'PODMAP_ERR_RATE_LIMITED')
  assert.match(limited.json().message, /10\.0\.0\.1/)
  const retryAfter = Number(limited.headers['retry-after'])
  assert.ok(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 2, `Retry-After ${String(limited.headers['retry-after'])}`)
  assert.equal(JSON.stringify(store.list()), before, 'a limited report changes nothing')
  assert.equal((await post('node-a', '10.0.0.1')).statusCode, 429, 'a new name does not reset the sender\'s budget')
  assert.equal((await post('node-zz', '10.0.0.1')).statusCode, 429, 'nor does a name it chooses')
  // An attacker posting 40 reports under the name node-b does not spend the real node-b's budget.
  let attacker429 = 0
  for (let i = 0; i < 40; i++) if ((await post('node-b', '10.0.0.66')).statusCode === 429) attacker429++
  assert.ok(attacker429 >= 36, `attacker limited ${attacker429}/40`)
  assert.equal((await post('node-b', '10.0.0.2')).statusCode, 200, 'the real node-b has its own budget')
  // The bucket refills with time (clock passed in).
  const limit = createRateLimiter({ ratePerSecond: 2, burst: 2 })
  assert.deepEqual([limit('k', 0).allowed, limit('k', 0).allowed, limit('k', 0).allowed, limit('k', 499).allowed, limit('k', 500).allowed], [true, true, false, false, true])
  const bounded = createRateLimiter({ ratePerSecond: 1, burst: 1, maxKeys: 100 })
  for (let i = 0; i < 10_000; i++) bounded(`k${i}`, 0)
  recordFigure({ area: 'security', test: 'rate limit per sniffer on POST /api/v1/reports', figure: 'burst 3 at 0.5/s, keyed by sender address: 4th report -> 429 + Retry-After 2, map unchanged; a new claimed name does not reset it; 40 posts naming node-b from another address leave the real node-b at 200; 10 bad-token posts -> 401 without spending the budget; key table bounded (10,000 keys into 100)', inputs: 58, file: 'test/reliability/security.test.ts' })
})

test('pino redaction: no token in logs, wherever it sits', () => {
  const lines: string[] = []
  const log = createLogger({ level: 'trace', component: 'test', destination: new Writable({ write (c, _e, cb) { lines.push(String(c)); cb() } }) })
  const secret = 'Zz-very-secret-token-42'
  log.info({ req: { headers: { authorization: `Bearer ${secret}` } } }, 'request')
  log.info({ headers: { authorization: `Bearer ${secret}` } }, 'headers')
  log.info({ authorization: `Bearer ${secret}` }, 'bare')
  log.info({ token: secret }, 'token')
  log.warn({ config: { token: secret } }, 'nested')
  log.child({ token: secret }).info('child bindings')
  assert.equal(lines.length, 6)
  for (const l of lines) {
    assert.ok(!l.includes(secret), `leaked: ${l}`)
    assert.ok(l.includes('[redacted]'), `redacted: ${l}`)
  }
  recordFigure({ area: 'security', test: 'pino redaction', figure: `${lines.length} log shapes carrying a token (${REDACT_PATHS.length} redact paths): 0 leaks`, inputs: lines.length, file: 'test/reliability/security.test.ts' })
})

/** Does this RBAC rule let its holder read (get/list/watch) core Secrets? */
function grantsSecrets (rule: { apiGroups?: string[], resources?: string[], verbs?: string[], nonResourceURLs?: string[] }): boolean {
  const groups = rule.apiGroups ?? []
  const resources = rule.resources ?? []
  const verbs = rule.verbs ?? []
  return (groups.includes('') || groups.includes('*')) &&
    (resources.includes('secrets') || resources.includes('*') || resources.some((r) => r.startsWith('secrets/'))) &&
    verbs.some((v) => v === '*' || v === 'get' || v === 'list' || v === 'watch')
}

test('the chart: the mapper\'s ServiceAccount cannot read Secrets (rendered RBAC evaluated)', async () => {
  assert.equal(grantsSecrets({ apiGroups: [''], resources: ['secrets'], verbs: ['get'] }), true, 'the evaluator sees a direct grant')
  assert.equal(grantsSecrets({ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }), true, 'and a wildcard one')
  let rulesChecked = 0
  {
    const docs: KubeDoc[] = await render([])
    const sa = docs.find((d) => d.kind === 'ServiceAccount' && d.metadata.name.endsWith('-mapper'))
    assert.ok(sa, 'the mapper has a ServiceAccount')
    const bindings = docs.filter((d) => (d.kind === 'ClusterRoleBinding' || d.kind === 'RoleBinding') &&
      ((d.subjects as Array<{ kind: string, name: string }> | undefined) ?? []).some((s) => s.kind === 'ServiceAccount' && s.name === sa.metadata.name))
    assert.ok(bindings.length > 0, 'the ServiceAccount is bound to a role')
    for (const b of bindings) {
      const ref = b.roleRef as { kind: string, name: string }
      assert.ok(ref.kind === 'ClusterRole' || ref.kind === 'Role')
      assert.ok(!['cluster-admin', 'admin', 'edit', 'view'].includes(ref.name), `bound to a built-in role: ${ref.name}`)
      const role = docs.find((d) => d.kind === ref.kind && d.metadata.name === ref.name)
      assert.ok(role, `role ${ref.name} is in the chart`)
      const rules = (role.rules as Array<Parameters<typeof grantsSecrets>[0]> | undefined) ?? []
      assert.ok(rules.length > 0)
      assert.ok(role.aggregationRule === undefined, 'no aggregated role (its rules could grow)')
      for (const r of rules) { rulesChecked++; assert.equal(grantsSecrets(r), false, `rule grants secrets: ${JSON.stringify(r)}`) }
    }
  }
  recordFigure({ area: 'security', test: 'chart RBAC: the mapper cannot read Secrets', figure: `${rulesChecked} rendered rules bound to the mapper's ServiceAccount evaluated: none grants get/list/watch on secrets`, inputs: rulesChecked, file: 'test/reliability/security.test.ts' })
})

/** Every External peer each export allows: ipBlocks / CIDRs / IPs and FQDN names, as text. */
function allowedExternals (objects: Array<{ kind: string, spec: unknown }>): string[] {
  const out: string[] = []
  const walk = (v: unknown, key = ''): void => {
    if (Array.isArray(v)) { for (const x of v) walk(x, key); return }
    if (v && typeof v === 'object') { for (const [k, x] of Object.entries(v)) walk(x, k); return }
    if (typeof v === 'string' && ['cidr', 'toCIDR', 'fromCIDR', 'ips', 'domains', 'matchName'].includes(key)) out.push(v)
  }
  for (const o of objects) walk(o.spec)
  return out.sort()
}

test('telemetry cannot write policy: special and cluster addresses as DNS answers, wildcard and non-LDH names, never become an allow rule; exports say what they dropped', async () => {
  const { app, registry, embedded } = await appFixture()
  const now = Date.now()
  const dns = (name: string, answers: string[]) => ({ client: IP.checkout, name, answers, ttl: 30, firstSeen: now, lastSeen: now, count: 1 })
  const poisoned = ['169.254.169.254', '127.0.0.1', '0.0.0.0', '224.0.0.251', IP.orders, IP.ordersSvc, IP.node, '::1', 'fe80::1']
  const badNames = ['*', '*.com', 'a..example', 'under_score.example', 'x\u001b[2J\u0007.example', 'localhost', '1.2.3.4.5']
  const report = {
    version: 1, node: 'node-a', sentAt: now,
    dns: [dns('api.partner.example', [...poisoned, IP.partner]), ...badNames.map((n) => dns(n, ['203.0.113.5']))],
    // Connections, not only names: a call seen without a port allows nothing in a policy (export judge).
    sockets: [
      { client: IP.checkout, server: '169.254.169.254', port: 80, protocol: 'TCP', firstSeen: now, lastSeen: now, count: 1 },
      { client: IP.checkout, server: IP.partner, port: 443, protocol: 'TCP', firstSeen: now, lastSeen: now, count: 1 }
    ]
  }
  const res = await app.inject({ method: 'POST', url: '/api/v1/reports', headers: auth, payload: report })
  assert.equal(res.statusCode, 200, res.body)
  const map = (await app.inject({ url: '/api/v1/map' })).json() as { edges: Array<{ server: { kind: string, name: string }, addresses?: string[] }> }
  const partner = map.edges.find((e) => e.server.name === 'api.partner.example')
  assert.deepEqual(partner?.addresses, [IP.partner], 'only the public answer is the name\'s address')
  for (const n of badNames) assert.ok(!map.edges.some((e) => e.server.name === n.toLowerCase()), `${JSON.stringify(n)} is not in the map`)
  // What an older version stored, or aggregation made: a wildcard name as an External server.
  embedded.edges.add({ client: { kind: 'Deployment', namespace: 'shop', name: 'checkout' }, server: { kind: 'External', name: '*.com' }, port: { port: 443, protocol: 'TCP' }, evidence: 'tcp', addresses: ['203.0.113.9'], first: now, last: now, count: 1 }, 0)
  const exported: Record<string, Array<{ kind: string, metadata: { name: string, annotations?: Record<string, string> }, spec: unknown }>> = {}
  for (const format of ['networkpolicy', 'intents', 'cilium']) {
    const r = await app.inject({ url: `/api/v1/export?format=${format}&output=json` })
    assert.equal(r.statusCode, 200, r.body)
    exported[format] = r.json().items
  }
  assert.deepEqual(allowedExternals(exported.networkpolicy ?? []), [`${IP.partner}/32`])
  assert.deepEqual(allowedExternals(exported.intents ?? []), ['api.partner.example'])
  assert.deepEqual(allowedExternals(exported.cilium ?? []), ['api.partner.example'])
  // Said, not silent: the metadata address and the wildcard name are named in the annotations.
  const egress = exported.networkpolicy?.find((p) => p.metadata.name === 'podmap-checkout-egress')
  assert.equal(JSON.parse(egress?.metadata.annotations?.['podmap.io/dropped-addresses'] ?? '{}')['169.254.169.254'], 'link-local')
  const intents = exported.intents?.find((p) => p.metadata.name === 'checkout')
  assert.match(intents?.metadata.annotations?.['podmap.io/dropped-external-names'] ?? '', /"\*\.com"/)
  const cilium = exported.cilium?.find((p) => p.metadata.name === 'podmap-checkout-egress')
  assert.match(cilium?.metadata.annotations?.['podmap.io/dropped-external-names'] ?? '', /"\*\.com"/)
  assert.match(cilium?.metadata.annotations?.['podmap.io/dropped-addresses'] ?? '', /169\.254\.169\.254/)
  const metrics = await registry.metrics()
  for (const reason of ['link-local', 'loopback', 'unspecified', 'multicast', 'pod-network', 'service-network', 'node-address']) {
    assert.match(metrics, new RegExp(`podmap_mapper_answers_refused_total\\{reason="${reason}"\\} [1-9]`), reason)
  }
  for (const reason of ['name-wildcard', 'name-empty-label', 'name-not-ldh', 'name-single-label', 'name-numeric']) {
    assert.match(metrics, new RegExp(`podmap_mapper_records_refused_total\\{reason="${reason}"\\} [1-9]`), reason)
  }
  recordFigure({ area: 'security', test: 'telemetry cannot write policy: special addresses and non-hostnames', figure: `${poisoned.length} special or cluster answers for an external name and ${badNames.length} names that are not hostnames: none in the map or any export (NetworkPolicy, ClientIntents, Cilium); each counted by reason; a stored \`*.com\` and a session to 169.254.169.254 dropped from exports and named in their annotations`, inputs: poisoned.length + badNames.length + 2, file: 'test/reliability/security.test.ts' })
})

test('an annotation never takes another workload\'s identity: an imposter pod annotated podmap.io/workload-name: checkout changes none of checkout\'s policies', async () => {
  const imposterIp = '10.1.0.66'
  const withImposter = shopIndex()
  const meta = (kind: string, name: string, extra: Record<string, unknown> = {}) => ({ kind, metadata: { name, namespace: 'shop', uid: `${kind}-imposter-${name}`, creationTimestamp: new Date(T0 - 3_600_000).toISOString(), ...extra } })
  withImposter.upsert('Deployment', meta('Deployment', 'imposter', { annotations: { 'podmap.io/workload-name': 'checkout' } }) as never, T0 - 3_000_000)
  withImposter.upsert('ReplicaSet', meta('ReplicaSet', 'imposter-5c4b3a2f1e', { ownerReferences: [{ kind: 'Deployment', name: 'imposter', uid: 'Deployment-imposter-imposter', controller: true }] }) as never, T0 - 3_000_000)
  withImposter.upsert('Pod', {
    ...meta('Pod', 'imposter-5c4b3a2f1e-zzzzz', { labels: { app: 'imposter', 'pod-template-hash': '5c4b3a2f1e' }, annotations: { 'podmap.io/workload-name': 'checkout' }, ownerReferences: [{ kind: 'ReplicaSet', name: 'imposter-5c4b3a2f1e', uid: 'ReplicaSet-imposter-imposter-5c4b3a2f1e', controller: true }] }),
    spec: { nodeName: 'node-a', containers: [{}] },
    status: { phase: 'Running', podIP: imposterIp }
  } as never, T0 - 3_000_000)
  const now = Date.now()
  const socket = (client: string, server: string, port: number) => ({ client, server, port, protocol: 'TCP', firstSeen: now, lastSeen: now, count: 1 })
  const exportsOf = async (index: ReturnType<typeof shopIndex>, sockets: unknown[]) => {
    const { app } = await appFixture({ index })
    const res = await app.inject({ method: 'POST', url: '/api/v1/reports', headers: auth, payload: { version: 1, node: 'node-a', sentAt: now, dns: [], sockets } })
    assert.equal(res.statusCode, 200, res.body)
    const out: Record<string, Array<{ kind: string, metadata: { name: string, namespace: string, annotations?: Record<string, string> }, spec: unknown }>> = {}
    for (const format of ['networkpolicy', 'intents', 'cilium']) out[format] = (await app.inject({ url: `/api/v1/export?format=${format}&output=json` })).json().items
    const map = (await app.inject({ url: '/api/v1/map' })).json() as { edges: Array<{ client: { kind: string, name: string } }> }
    return { out, map }
  }
  const honest = [socket(IP.checkout, IP.ordersSvc, 80), socket(IP.job, IP.ledger0, 5432)]
  const clean = await exportsOf(shopIndex(), honest)
  const attacked = await exportsOf(withImposter, [...honest, socket(imposterIp, IP.ordersSvc, 80), socket(imposterIp, IP.ledger0, 5432)])
  assert.deepEqual(attacked.map.edges.filter((e) => e.client.name === 'checkout').map((e) => e.client.kind).sort(), ['Deployment', 'Workload', 'Workload'], 'the imposter is Workload shop/checkout, apart from Deployment shop/checkout')
  const named = (objects: typeof clean.out.networkpolicy, ...names: string[]) => (objects ?? []).filter((o) => names.includes(o.metadata.name))
  for (const [format, names] of [['networkpolicy', ['podmap-checkout-ingress', 'podmap-checkout-egress']], ['cilium', ['podmap-checkout-ingress', 'podmap-checkout-egress']], ['intents', ['checkout']]] as const) {
    assert.deepEqual(named(attacked.out[format], ...names), named(clean.out[format], ...names), `${format}: checkout's own objects are unchanged`)
  }
  // The servers' ingress grows by the imposter's own pods only (its labels), never by a namespace or by checkout's name.
  const ordersIngress = (attacked.out.networkpolicy ?? []).find((o) => o.metadata.name === 'podmap-orders-ingress')?.spec as { ingress: Array<{ from: unknown[] }> }
  assert.deepEqual(ordersIngress.ingress.flatMap((r) => r.from), [{ podSelector: { matchLabels: { app: 'checkout' } } }, { podSelector: { matchLabels: { app: 'imposter' } } }])
  const broad = (r: typeof clean) => Object.values(r.out).flat().map((o) => o.metadata.annotations?.['podmap.io/broad-peers']).filter((b) => b !== undefined).sort()
  assert.deepEqual(broad(attacked), broad(clean), 'nothing more widened to a namespace')
  recordFigure({ area: 'security', test: 'an annotation never takes another workload\'s identity', figure: 'a pod (and its Deployment) annotated `podmap.io/workload-name: checkout` calling orders and ledger: mapped as `Workload shop/checkout`, apart from Deployment shop/checkout; checkout\'s NetworkPolicies, Cilium policies and ClientIntents byte-identical to a run without the imposter; orders\' and ledger\'s ingress name the imposter by its own labels; nothing widened', inputs: 4, file: 'test/reliability/security.test.ts' })
})

test('bounded growth: thousands of invented external names are aggregated, then dropped, every one counted; the map\'s memory is a metric', async () => {
  const limits = { maxEdges: 400, maxEdgesPerNode: 300, maxExternalNames: 100, maxExternalNamesPerNode: 60 }
  const { app, registry } = await appFixture({ caps: limits, bodyLimit: 4 << 20 })
  const now = Date.now()
  const dns = (name: string) => ({ client: IP.checkout, name, answers: [IP.partner], ttl: 30, firstSeen: now, lastSeen: now, count: 1 })
  // 2,000 names under one domain (aggregated into one), then 3,000 under as many domains (aggregates capped too).
  const sent = [...Array.from({ length: 2000 }, (_, i) => `h${i}.tracker.example`), ...Array.from({ length: 3000 }, (_, i) => `x.fake${i}.example`)]
  for (let i = 0; i < sent.length; i += 1000) {
    const res = await app.inject({ method: 'POST', url: '/api/v1/reports', headers: auth, payload: { version: 1, node: 'node-a', sentAt: now, dns: sent.slice(i, i + 1000).map(dns), sockets: [] } })
    assert.equal(res.statusCode, 200, res.body)
  }
  const map = (await app.inject({ url: '/api/v1/map' })).json() as { edges: Array<{ server: { kind: string, name: string } }> }
  const external = map.edges.filter((e) => e.server.kind === 'External').map((e) => e.server.name)
  const exact = external.filter((n) => !n.startsWith('*.'))
  const aggregates = external.filter((n) => n.startsWith('*.'))
  assert.equal(exact.length, limits.maxExternalNamesPerNode, 'one node brings at most its share of exact names')
  assert.ok(aggregates.includes('*.tracker.example'))
  assert.equal(aggregates.length, limits.maxExternalNames, 'aggregates are capped too')
  assert.ok(map.edges.length <= limits.maxEdges)
  const metrics = await registry.metrics()
  const counter = (reason: string): number => Number(new RegExp(`podmap_mapper_calls_capped_total\\{reason="${reason}"\\} (\\d+)`).exec(metrics)?.[1] ?? 0)
  const aggregated = counter('external-name-aggregated-node') + counter('external-name-aggregated-total')
  const dropped = counter('external-aggregate-dropped')
  assert.equal(exact.length + aggregated + dropped, sent.length, 'every name past the cap is counted, as aggregated or dropped')
  assert.ok(dropped >= 3000 - limits.maxExternalNames, `dropped ${dropped}`)
  const bytes = Number(/podmap_mapper_map_bytes (\d+)/.exec(metrics)?.[1])
  assert.ok(bytes > map.edges.length * 1700 && bytes < map.edges.length * 20_000, `map bytes ${bytes} for ${map.edges.length} edges`)
  recordFigure({ area: 'security', test: 'bounded growth: caps on external names and edges', figure: `${sent.length} invented names from one node with --max-external-names ${limits.maxExternalNames} (per node ${limits.maxExternalNamesPerNode}): ${exact.length} exact names and ${aggregates.length} aggregates (*.tracker.example for 2,000) in the map; ${aggregated} counted aggregated, ${dropped} dropped; podmap_mapper_map_bytes ${bytes}`, inputs: sent.length, file: 'test/reliability/security.test.ts' })
})

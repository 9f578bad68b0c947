/**
 * The scrape configuration the chart describes (rendered by the real helm), checked by Debian's
 * promtool: `promtool check config` on the jobs its prometheus.io annotations drive and on the jobs
 * its ServiceMonitors make, and `promtool check service-discovery` running their relabeling on the
 * targets Kubernetes discovery would find for the rendered objects (kube-discovery.ts: Debian's
 * build has no Kubernetes discovery). Every podmap pod must be scraped exactly once, on a port it
 * listens on, at /metrics.
 */
import { test, after } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { stringify } from 'yaml'
import { render, type KubeDoc } from '../helm/helm-cli.js'
import { annotationJobs, serviceMonitorJobs, type ScrapeJob } from './scrape-config.js'
import { discover, podsOf } from './kube-discovery.js'
import { promtool } from './promtool.js'

const dir = mkdtempSync('/tmp/podmap-scrape-config-')
after(() => { rmSync(dir, { recursive: true, force: true }) })

interface Target { labels: Record<string, string> }

/**
 * Writes the jobs with file discovery standing in for Kubernetes discovery, checks the config, and
 * returns every target that survives relabeling, per job.
 */
async function check (name: string, docs: KubeDoc[], jobs: ScrapeJob[]): Promise<Map<string, Target[]>> {
  const fileJobs = jobs.map((j, i) => {
    const sd = j.kubernetes_sd_configs?.[0]
    assert.ok(sd, `${j.job_name} uses Kubernetes discovery`)
    const file = join(dir, `${name}-${i}.json`)
    writeFileSync(file, JSON.stringify(discover(docs, sd.role, sd.namespaces.names)))
    const { kubernetes_sd_configs: _k8s, ...rest } = j
    return { ...rest, file_sd_configs: [{ files: [file] }] }
  })
  const config = join(dir, `${name}.yml`)
  writeFileSync(config, stringify({ global: { scrape_interval: '30s' }, scrape_configs: fileJobs }))
  const res = await promtool(['check', 'config', config])
  assert.equal(res.code, 0, `promtool check config ${name}:\n${res.stdout}${res.stderr}`)
  assert.match(res.stdout + res.stderr, /SUCCESS/)
  const out = new Map<string, Target[]>()
  for (const j of fileJobs) {
    const sd = await promtool(['check', 'service-discovery', '--timeout=1s', config, j.job_name])
    assert.equal(sd.code, 0, sd.stderr)
    out.set(j.job_name, (JSON.parse(sd.stdout) as Target[]).filter((t) => Object.keys(t.labels).length > 0))
  }
  return out
}

/** Each podmap pod scraped exactly once, at <its address>:<a port it declares>/metrics. */
function assertEachPodOnce (docs: KubeDoc[], targets: Target[]): void {
  const pods = podsOf(docs)
  const scraped = targets.map((t) => t.labels.pod ?? '').sort()
  assert.deepEqual(scraped, pods.map((p) => p.name).sort(), 'every pod once, nothing twice')
  for (const t of targets) {
    const pod = pods.find((p) => p.name === t.labels.pod)
    assert.ok(pod)
    const declared = pod.containers.flatMap((c) => c.ports.map((p) => `${pod.ip}:${p.containerPort}`))
    assert.ok(declared.includes(t.labels.__address__ ?? ''), `${pod.name} is scraped at ${t.labels.__address__}, where it does not listen (${declared.join(', ')})`)
    assert.equal(t.labels.__metrics_path__, '/metrics')
  }
}

test('default values: the annotation jobs scrape the mapper and every sniffer once, where they listen', async () => {
  const docs = await render()
  const jobs = await check('annotations', docs, annotationJobs(['podmap']))
  const all = [...jobs.values()].flat()
  assertEachPodOnce(docs, all)
  const sniffers = all.filter((t) => t.labels.app_kubernetes_io_component === 'sniffer')
  assert.deepEqual(sniffers.map((t) => t.labels.node).sort(), ['node-a', 'node-b'])
})

test('ServiceMonitors (custom values): the jobs prometheus-operator makes of them scrape each pod once, sniffers with their node', async () => {
  const docs = await render(['--values', join(import.meta.dirname, '..', 'helm', 'fixtures', 'custom-values.yaml')])
  const sm = serviceMonitorJobs(docs)
  assert.deepEqual(sm.map((j) => j.job_name).sort(), ['serviceMonitor/podmap/podmap-mapper/0', 'serviceMonitor/podmap/podmap-sniffer/0'])
  assert.equal(sm.find((j) => j.job_name.includes('sniffer'))?.scrape_interval, '15s')
  const jobs = await check('servicemonitors', docs, [...sm, ...annotationJobs(['podmap'])])
  assert.deepEqual(jobs.get('kubernetes-pods'), [], 'scrape annotations are off in the custom values')
  assert.deepEqual(jobs.get('kubernetes-service-endpoints'), [])
  const all = [...jobs.values()].flat()
  assertEachPodOnce(docs, all)
  for (const t of jobs.get('serviceMonitor/podmap/podmap-sniffer/0') ?? []) assert.match(t.labels.node ?? '', /^node-[ab]$/)
})

test('promtool refuses what Prometheus would refuse: a ServiceMonitor timeout longer than its interval', async () => {
  const docs = await render(['--set', 'metrics.serviceMonitor.enabled=true,metrics.serviceMonitor.interval=30s,metrics.serviceMonitor.scrapeTimeout=60s'])
  await assert.rejects(check('bad-timeout', docs, serviceMonitorJobs(docs)), /scrape timeout greater than scrape interval/)
})

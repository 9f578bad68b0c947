/**
 * What `npm run demo` prints for a person to open and run, each with what its answer must hold:
 * test/e2e/demo.test.ts runs every one exactly as the demo printed it and checks it.
 */
import { readFile, rm } from 'node:fs/promises'

export interface DemoCommand {
  section: 'page' | 'api' | 'cli'
  /** The shell command, run as printed from the repository. */
  run: string
  /** What is printed instead of `run` (the page: its URL, to open in a browser). */
  show?: string
  note?: string
  /** A problem with the command's output, or undefined when it holds what it must. */
  expect: (out: string) => Promise<string | undefined> | string | undefined
}

export interface DemoFacts {
  mapperUrl: string
  snifferUrl: string
  snifferNode: string
  kubeconfig: string
  namespaces: string[]
  /** `Kind ns/name -> Kind ns/name port/TCP` of every call the demo makes. */
  calls: string[]
  /** `<call>: <direction> <policy>` of every call the demo's policies deny. */
  denied: string[]
}

const missingFrom = (out: string, wanted: string[]): string | undefined => {
  const gone = wanted.filter((w) => !out.includes(w))
  return gone.length ? `missing: ${gone.join(', ')}` : undefined
}

function json (out: string): any {
  try { return JSON.parse(out) } catch { return undefined }
}

/** A workload as the map's JSON names it: `Kind namespace/name`, or `Kind name` without a namespace. */
const id = (x: any): string => `${x.kind as string} ${x.namespace ? `${x.namespace as string}/` : ''}${x.name as string}`

const SVG = '/tmp/podmap-demo-map.svg'

const HEADINGS = { page: 'Open the web page (from this machine):', api: 'Ask the API:', cli: 'Use the command line (from this folder):' }

/** The lines the demo prints: a heading per section, then each command, notes aligned after `#` within a section. */
export function renderCommands (commands: DemoCommand[]): string[] {
  const out: string[] = []
  for (const section of ['page', 'api', 'cli'] as const) {
    const these = commands.filter((x) => x.section === section)
    const width = Math.max(...these.map((c) => (c.show ?? c.run).length))
    out.push('', HEADINGS[section])
    for (const c of these) {
      const text = c.show ?? c.run
      out.push(c.note ? `  ${text.padEnd(width)}  # ${c.note}` : `  ${text}`)
    }
  }
  return out
}

export function demoCommands (f: DemoFacts): DemoCommand[] {
  const url = f.mapperUrl
  const ns = f.namespaces.join(',')
  const workloads = [...new Set(f.calls.flatMap((c) => {
    const m = /^(\S+) (\S+) -> (\S+) (\S+) /.exec(c)
    return m ? [`${m[1] as string} ${m[2] as string}`, `${m[3] as string} ${m[4] as string}`] : []
  }))]
  const names = workloads.map((w) => w.split(' ')[1] as string)
  const [reports, postgres] = ['CronJob/ops/reports', 'StatefulSet/data/postgres']
  return [
    {
      section: 'page',
      run: `curl -sf ${url}/`,
      show: `${url}/`,
      expect: (out) => out.includes('<svg id="graph"') ? undefined : 'not the web page'
    },
    {
      section: 'api',
      run: `curl -s ${url}/api/v1/map`,
      note: 'who calls whom, as JSON',
      expect: (out) => {
        const body = json(out)
        if (!Array.isArray(body?.edges)) return 'no edges in the answer'
        const seen = body.edges.flatMap((e: any) => e.ports.map((p: any) => `${id(e.client)} -> ${id(e.server)} ${p.port as number}/${p.protocol as string}`)).join('\n')
        return missingFrom(seen, f.calls)
      }
    },
    {
      section: 'api',
      run: `curl -s ${url}/api/v1/shadow`,
      note: 'the calls the cluster\'s NetworkPolicies would deny',
      expect: (out) => {
        const body = json(out)
        if (!Array.isArray(body?.denied)) return 'no verdicts in the answer'
        const got = body.denied.flatMap((d: any) => (d.deniedBy ?? []).map((b: any) => `${id(d.client)} -> ${id(d.server)} ${d.port?.port as number}/${d.port?.protocol as string}: ${b.direction as string} ${(b.policies ?? []).join(',') as string}`)).join('\n')
        return missingFrom(got, f.denied)
      }
    },
    {
      section: 'api',
      run: `curl -s '${url}/api/v1/explain?client=${reports}&server=${postgres}'`,
      note: 'why a call is in the map',
      expect: (out) => {
        const body = json(out)
        return Array.isArray(body?.dnsNames) && body.dnsNames.includes('postgres.data.svc.cluster.local') && body.nodes?.length > 0
          ? undefined
          : 'no DNS name or reporting node'
      }
    },
    { section: 'api', run: `curl -s ${url}/metrics`, note: 'the mapper\'s metrics', expect: (out) => missingFrom(out, ['podmap_mapper_edges ', 'podmap_mapper_reports_total{']) },
    { section: 'api', run: `curl -s ${f.snifferUrl}/metrics`, note: `the sniffer's metrics on ${f.snifferNode}`, expect: (out) => missingFrom(out, ['podmap_sniffer_packets_total ', 'podmap_sniffer_reports_total{']) },
    {
      section: 'cli',
      run: `npm run podmap -- list -n ${ns} --mapper-url ${url}`,
      expect: (out) => missingFrom(out, names)
    },
    {
      section: 'cli',
      run: `npm run podmap -- export --format networkpolicy -n shop --mapper-url ${url}`,
      note: 'NetworkPolicies allowing what was seen',
      expect: (out) => missingFrom(out, ['kind: NetworkPolicy', 'name: podmap-orders-ingress', 'name: podmap-checkout-egress'])
    },
    {
      section: 'cli',
      run: `npm run podmap -- visualize --format svg -n ${ns} -o ${SVG} --mapper-url ${url}`,
      note: 'the map as a picture',
      expect: async () => {
        const svg = await readFile(SVG, 'utf8').catch(() => '')
        await rm(SVG, { force: true })
        return svg.includes('<svg') ? missingFrom(svg, ['frontend', 'postgres']) : `${SVG} is not an SVG`
      }
    },
    {
      section: 'cli',
      run: `npm run podmap -- shadow -n ${ns} --mapper-url ${url}`,
      note: 'shadow mode: the denied calls',
      expect: (out) => missingFrom(out, ['reports', 'postgres-ingress', 'frontend-egress'])
    },
    {
      section: 'cli',
      run: `npm run podmap -- list -n ${ns} --kubeconfig ${f.kubeconfig}`,
      note: 'finds the mapper through the cluster, as `kubectl podmap` does',
      expect: (out) => missingFrom(out, names)
    },
    {
      section: 'cli',
      run: `.tools/bin/kubectl --kubeconfig ${f.kubeconfig} get pods -A`,
      note: 'the cluster itself',
      expect: (out) => missingFrom(out, ['frontend-', 'postgres-0', 'podmap-sniffer-', 'podmap-mapper-'])
    }
  ]
}

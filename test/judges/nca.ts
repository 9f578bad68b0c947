/**
 * IBM's network-config-analyzer (nca, installed by `npm run setup` into .tools/bin, see
 * scripts/install-judges.sh) as a judge of NetworkPolicy semantics: many network configurations
 * (namespaces, pods and policies as Kubernetes manifests) go into one scheme file, so one nca start
 * answers them all, and each configuration's connectivity map comes back per pair of endpoints
 * (`txt_no_fw_rules`, pods as endpoints, IPv6 ranges kept). The answer is parsed into a question
 * podmap can ask: does this map allow `src` to reach `dst` on `protocol`/`port`?
 */
import { execFile } from 'node:child_process'
import { accessSync, constants, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { BlockList, isIPv4 } from 'node:net'
import { fileURLToPath } from 'node:url'
import { stringify } from 'yaml'

export const NCA = fileURLToPath(new URL('../../.tools/bin/nca', import.meta.url))

/** Fails loudly when the analyzer is missing: the judges never skip themselves. */
export function requireNca (): string {
  try { accessSync(NCA, constants.X_OK) } catch {
    throw new Error(`${NCA} is missing: run \`npm run setup\` (scripts/install-judges.sh installs network-config-analyzer)`)
  }
  return NCA
}

/** One side of a connection as nca prints it: a pod `ns/name`, or addresses. */
type Side = { pod: string } | { ips: BlockList }

interface Line { src: Side, dst: Side, allows: (protocol: string, port: number) => boolean, text: string }

export interface Connectivity {
  /** The lines nca printed, for messages. */
  text: string
  /** Whether the map allows `src` (a pod `ns/name` or an address) to reach `dst` on `protocol`/`port`. */
  allows: (src: string, dst: string, protocol: string, port: number) => boolean
  /** Whether it allows `src` anything at all towards `dst`. */
  allowsAny: (src: string, dst: string) => boolean
}

export interface NcaConfig { name: string, resources: object[] }

const PROTOCOL_NUMBERS: Record<string, number> = { ICMP: 1, TCP: 6, UDP: 17, SCTP: 132 }

/** `a-b,c` as a set of integers (protocol names as their numbers). */
function intervals (text: string): Array<[number, number]> {
  return text.split(',').map((s) => s.trim()).filter(Boolean).map((part) => {
    const [a = '', b] = part.split('-')
    const n = (s: string): number => PROTOCOL_NUMBERS[s] ?? Number(s)
    const lo = n(a)
    const hi = b === undefined ? lo : n(b)
    if (!Number.isFinite(lo) || !Number.isFinite(hi)) throw new Error(`nca: cannot read interval ${JSON.stringify(part)} in ${JSON.stringify(text)}`)
    return [lo, hi]
  })
}

const KEYS = /(protocols|src_ports|dst_ports|icmp_type|icmp_code|methods|paths|hosts):/g

/** One `{protocols:TCP,UDP,dst_ports:53,80-90}` cube: absent dimensions allow everything. */
function cube (text: string): (protocol: string, port: number) => boolean {
  const body = text.replace(/^\{|\}$/g, '')
  const marks = [...body.matchAll(KEYS)]
  const dims = new Map<string, string>()
  marks.forEach((m, i) => {
    const start = (m.index ?? 0) + m[0].length
    const end = i + 1 < marks.length ? (marks[i + 1]?.index ?? body.length) - 1 : body.length
    dims.set(m[1] as string, body.slice(start, end))
  })
  for (const key of dims.keys()) if (key !== 'protocols' && key !== 'dst_ports') throw new Error(`nca: unexpected dimension ${key} in ${text}`)
  const protocols = dims.has('protocols') ? intervals(dims.get('protocols') ?? '') : undefined
  const ports = dims.has('dst_ports') ? intervals(dims.get('dst_ports') ?? '') : undefined
  const within = (list: Array<[number, number]> | undefined, v: number): boolean => list === undefined || list.some(([lo, hi]) => v >= lo && v <= hi)
  return (protocol, port) => within(protocols, PROTOCOL_NUMBERS[protocol] ?? -1) && within(ports, port)
}

/** `All connections`, `All but {..}`, or cubes `{..},{..}`. */
export function connectionSet (text: string): (protocol: string, port: number) => boolean {
  const t = text.trim()
  if (t === 'All connections' || t === 'All') return () => true
  if (t === 'No connections') return () => false
  if (t.startsWith('All but ')) { const rest = connectionSet(t.slice(8)); return (p, n) => !rest(p, n) }
  const cubes = (t.match(/\{[^}]*\}/g) ?? []).map(cube)
  if (cubes.length === 0) throw new Error(`nca: cannot read connections ${JSON.stringify(text)}`)
  return (p, n) => cubes.some((c) => c(p, n))
}

function side (text: string): Side {
  if (text.includes('/')) return { pod: text }
  const list = new BlockList()
  for (const part of text.split(',').map((s) => s.trim()).filter(Boolean)) {
    const [a = '', b] = part.split('-')
    const family = isIPv4(a) ? 'ipv4' : 'ipv6'
    if (b === undefined) list.addAddress(a, family)
    else list.addRange(a, b, family)
  }
  return { ips: list }
}

function sideMatches (s: Side, who: string): boolean {
  if ('pod' in s) return s.pod === who
  if (who.includes('/')) return false
  return s.ips.check(who, isIPv4(who) ? 'ipv4' : 'ipv6')
}

export function parseConnectivity (text: string): Connectivity {
  const lines: Line[] = []
  for (const raw of text.split('\n')) {
    const m = /^(.+?) => (.+?) : (.+)$/.exec(raw.trim())
    if (!m) continue
    lines.push({ src: side(m[1] as string), dst: side(m[2] as string), allows: connectionSet(m[3] as string), text: raw })
  }
  return {
    text,
    allows: (src, dst, protocol, port) => lines.some((l) => sideMatches(l.src, src) && sideMatches(l.dst, dst) && l.allows(protocol, port)),
    allowsAny: (src, dst) => lines.some((l) => sideMatches(l.src, src) && sideMatches(l.dst, dst))
  }
}

function run (file: string, args: string[]): Promise<{ code: number, out: string }> {
  return new Promise((resolve) => {
    execFile(file, args, { maxBuffer: 256 << 20, timeout: 20 * 60_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0
      resolve({ code, out: `${stdout}${stderr}` })
    })
  })
}

/** Runs nca once over every configuration; the connectivity of each, by name. */
export async function ncaConnectivity (configs: NcaConfig[]): Promise<Map<string, Connectivity>> {
  const nca = requireNca()
  const dir = mkdtempSync(join(tmpdir(), 'podmap-nca-'))
  try {
    const scheme = { networkConfigList: [] as object[], queries: [] as object[] }
    configs.forEach((c, i) => {
      const file = join(dir, `config-${i}.yaml`)
      writeFileSync(file, c.resources.map((r) => stringify(r, { lineWidth: 0 })).join('---\n') || '{}\n')
      scheme.networkConfigList.push({ name: `c${i}`, resourceList: [file] })
      scheme.queries.push({ name: `q${i}`, connectivityMap: [`c${i}`], outputConfiguration: { outputFormat: 'txt_no_fw_rules', outputEndpoints: 'pods', outputPath: join(dir, `out-${i}.txt`), excludeIPv6Range: false } })
    })
    const schemeFile = join(dir, 'scheme.yaml')
    writeFileSync(schemeFile, stringify(scheme, { lineWidth: 0 }))
    const { code, out } = await run(nca, ['--scheme', schemeFile])
    if (code !== 0) throw new Error(`nca --scheme exited ${code}:\n${out.slice(-4000)}`)
    const result = new Map<string, Connectivity>()
    configs.forEach((c, i) => {
      let text: string
      try { text = readFileSync(join(dir, `out-${i}.txt`), 'utf8') } catch {
        throw new Error(`nca wrote no answer for ${c.name}:\n${out.slice(-4000)}`)
      }
      result.set(c.name, parseConnectivity(text))
    })
    return result
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

/**
 * The DNS traffic bench:dns sends, as response templates (dns-gen.c sends response k from template
 * k % templates.length) plus what the sniffer must make of each.
 *
 * simple: the mix BENCHMARKS.md measured first, kept for comparison: 256 names, each an A answer.
 *
 * realistic: what pods on a node make their resolver send. Every lookup is of a full name under
 * the Kubernetes search list with ndots:5, as a glibc client does it (A and AAAA in parallel): the
 * name with each of the 3 cluster search domains appended first (NXDOMAIN, A and AAAA: 6
 * responses, each with the zone's SOA in its authority section, as CoreDNS sends them), then the
 * name itself (A and AAAA). That is the 8 responses with 6 NXDOMAIN that one lookup of a full
 * service name produced on the testbed: 75% NXDOMAIN. 50 lookups, 400 templates:
 * - 34 Service names `svc-<i>.ns-<j>.svc.cluster.local`: A with the ClusterIP; AAAA with an IPv6
 *   ClusterIP for half of them (dual-stack), NODATA (NOERROR, no answer, SOA) for the other half;
 * - 16 external names `api-<i>.partner-<i>.example`: A and AAAA reached through a CNAME chain of 1
 *   to 3 names, two addresses each; for half of them the AAAA is the chain only (no address).
 * So per 400 responses: 300 NXDOMAIN, 17 NODATA, 8 CNAME-only, 75 with addresses (18.75%).
 */
import dnsPacket from 'dns-packet'

export type MixName = 'simple' | 'realistic'

export interface Template {
  hex: string
  /** The sniffer decodes an observation from it (a name with addresses). */
  mapped: boolean
}

export interface Mix {
  name: MixName
  templates: Template[]
  /** Every n-th response goes over TCP (0: none). */
  tcpEvery: number
}

const FLAGS = dnsPacket.RECURSION_DESIRED | dnsPacket.RECURSION_AVAILABLE | dnsPacket.AUTHORITATIVE_ANSWER
const SEARCH = ['app.svc.cluster.local', 'svc.cluster.local', 'cluster.local']
const TTL = 30

function soa (zone: string): dnsPacket.Answer {
  return { type: 'SOA', name: zone, ttl: TTL, data: { mname: 'ns.dns.cluster.local', rname: 'hostmaster.cluster.local', serial: 1764000000, refresh: 7200, retry: 1800, expire: 86400, minimum: TTL } }
}

function encode (name: string, type: 'A' | 'AAAA', answers: dnsPacket.Answer[], rcode: 0 | 3 = 0, zone = 'cluster.local'): string {
  const buf = dnsPacket.encode({
    type: 'response',
    id: 0,
    flags: FLAGS,
    questions: [{ type, name }],
    answers,
    authorities: answers.length === 0 ? [soa(zone)] : []
  })
  buf[3] = (buf[3]! & 0xf0) | rcode
  return buf.toString('hex')
}

function simpleMix (): Mix {
  const templates: Template[] = []
  for (let i = 0; i < 256; i++) {
    const name = `svc-${i}.bench.svc.cluster.local`
    templates.push({ hex: encode(name, 'A', [{ type: 'A', name, ttl: TTL, data: `10.96.${i >> 4}.${(i & 15) + 1}` }]), mapped: true })
  }
  return { name: 'simple', templates, tcpEvery: 0 }
}

/** The CNAME chain from `name` to its last target, 1 to 3 links. */
function chain (name: string, i: number): { answers: dnsPacket.Answer[], target: string } {
  const links = 1 + (i % 3)
  const answers: dnsPacket.Answer[] = []
  let owner = name
  for (let l = 0; l < links; l++) {
    const target = l === links - 1 ? `e${i}.g.cdn-provider.example` : `edge-${i}-${l}.cdn.example`
    answers.push({ type: 'CNAME', name: owner, ttl: TTL * 10, data: target })
    owner = target
  }
  return { answers, target: owner }
}

function realisticMix (): Mix {
  const templates: Template[] = []
  const lookup = (name: string, a: dnsPacket.Answer[], aaaa: dnsPacket.Answer[], aaaaMapped: boolean): void => {
    for (const domain of SEARCH) {
      for (const type of ['A', 'AAAA'] as const) templates.push({ hex: encode(`${name}.${domain}`, type, [], 3), mapped: false })
    }
    templates.push({ hex: encode(name, 'A', a), mapped: true })
    templates.push({ hex: encode(name, 'AAAA', aaaa, 0, name.endsWith('.cluster.local') ? 'cluster.local' : 'partner.example'), mapped: aaaaMapped })
  }
  for (let i = 0; i < 34; i++) {
    const name = `svc-${i}.ns-${i % 7}.svc.cluster.local`
    const dual = i % 2 === 0
    lookup(name,
      [{ type: 'A', name, ttl: TTL, data: `10.96.${i >> 4}.${(i & 15) + 1}` }],
      dual ? [{ type: 'AAAA', name, ttl: TTL, data: `fd00:96::${(i + 1).toString(16)}` }] : [],
      dual)
  }
  for (let i = 0; i < 16; i++) {
    const name = `api-${i}.partner-${i}.example`
    const { answers, target } = chain(name, i)
    const withV6 = i % 2 === 0
    lookup(name,
      [...answers, { type: 'A', name: target, ttl: TTL, data: `192.0.2.${2 * i + 1}` }, { type: 'A', name: target, ttl: TTL, data: `192.0.2.${2 * i + 2}` }],
      withV6 ? [...answers, { type: 'AAAA', name: target, ttl: TTL, data: `2001:db8::${(2 * i + 1).toString(16)}` }, { type: 'AAAA', name: target, ttl: TTL, data: `2001:db8::${(2 * i + 2).toString(16)}` }] : answers,
      withV6)
  }
  // One response in 50 over TCP (2%): a node-local cache forwarding over TCP, a client retrying after TC.
  return { name: 'realistic', templates, tcpEvery: 50 }
}

export function dnsMix (name: MixName): Mix {
  return name === 'simple' ? simpleMix() : realisticMix()
}

/** Of responses 0 .. sent-1: how many went over UDP and TCP, and how many the sniffer must decode. */
export function expected (mix: Mix, sent: number): { udp: number, tcp: number, mapped: number, unmapped: number } {
  let udp = 0
  let tcp = 0
  let mapped = 0
  const n = mix.templates.length
  for (let k = 0; k < sent; k++) {
    if (mix.tcpEvery > 0 && k % mix.tcpEvery === 0) tcp++
    else udp++
    if (mix.templates[k % n]!.mapped) mapped++
  }
  return { udp, tcp, mapped, unmapped: sent - mapped }
}

/** Shares of the mix, for the printed description. */
export function describe (mix: Mix): string {
  const n = mix.templates.length
  const mapped = mix.templates.filter((t) => t.mapped).length
  const nx = mix.templates.filter((t) => (Buffer.from(t.hex.slice(6, 8), 'hex')[0]! & 0x0f) === 3).length
  return `${mix.name}: ${n} templates, ${(100 * nx / n).toFixed(1)}% NXDOMAIN, ${(100 * mapped / n).toFixed(1)}% with addresses` +
    (mix.tcpEvery > 0 ? `, ${(100 / mix.tcpEvery).toFixed(0)}% over TCP` : '')
}

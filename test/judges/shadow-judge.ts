/**
 * podmap's shadow-mode verdicts (mapper/policy/evaluate.ts) against network-config-analyzer's, per
 * call and per direction. For every generated case nca gets the cluster as manifests three times:
 * with the policies as they are (the verdict), plus an allow-all egress policy in every namespace
 * (so only ingress decides), plus an allow-all ingress policy instead (so only egress decides).
 * Policies add up, so the added ones open one direction without touching the policies under test or
 * how their policyTypes default: that stays nca's reading. The verdict's explanation is judged too:
 * the rule podmap names as having allowed a side must, alone (its policy cut to that one rule),
 * allow it in nca's eyes; the policies podmap names as denying a side must, alone, deny it.
 *
 * nca reads each policy as the real API server stores it (api-server.ts: validated and defaulted,
 * policyTypes filled in), while podmap evaluates the policy as written, as `podmap shadow -f` gets
 * it: podmap's own policyTypes defaulting is judged by the API server's, and nca's defaulting (which
 * differs, see shadow-regressions.test.ts) is kept out of the verdict.
 *
 * nca models pods without addresses, so an ipBlock never matches a pod there; podmap's endpoints
 * are built the same way here (pods have no addresses), and the difference is kept as a
 * regression case of its own (shadow-regressions.test.ts).
 */
import type { NetworkPolicy, PolicyPeer } from '../../src/contract/shadow.js'
import type { Port } from '../../src/contract/map.js'
import type { Endpoint } from '../../mapper/policy/endpoint.js'
import { evaluateCall, type Verdict } from '../../mapper/policy/evaluate.js'
import type { GenCall, GenCase, GenPod } from './policy-arbitraries.js'
import type { Connectivity, NcaConfig } from './nca.js'

export interface Disagreement {
  case: number
  call: GenCall
  /** What was compared: a direction, the whole call, or an explanation. */
  what: string
  podmap: boolean
  analyzer: boolean
  detail: string
}

const key = (p: GenPod): string => `${p.namespace}/${p.name}`

export function topology (c: GenCase): object[] {
  return [
    ...c.namespaces.map((ns) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns.name, labels: { ...ns.labels, 'kubernetes.io/metadata.name': ns.name } } })),
    ...c.pods.map((p) => ({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: p.name, namespace: p.namespace, labels: p.labels },
      spec: { containers: [{ name: 'c', image: 'judge', ports: p.ports.map((cp) => ({ ...(cp.name ? { name: cp.name } : {}), containerPort: cp.port, protocol: cp.protocol })) }] }
    }))
  ]
}

/** The call's sides as podmap's evaluator sees them, in nca's model (pods have no addresses). */
export function endpointOf (c: GenCase, who: string): Endpoint {
  const pod = c.pods.find((p) => key(p) === who)
  if (!pod) return { kind: 'address', ips: [who] }
  const ns = c.namespaces.find((n) => n.name === pod.namespace)
  const namedPorts = new Map<string, number>()
  const namedPortProtocols = new Map<string, string>()
  for (const cp of pod.ports) if (cp.name && !namedPorts.has(cp.name)) { namedPorts.set(cp.name, cp.port); namedPortProtocols.set(cp.name, cp.protocol) }
  return { kind: 'pod', namespace: pod.namespace, labels: pod.labels, namespaceLabels: { ...ns?.labels, 'kubernetes.io/metadata.name': pod.namespace }, ips: [], namedPorts, namedPortProtocols }
}

function openAll (c: GenCase, dir: 'ingress' | 'egress'): NetworkPolicy[] {
  return c.namespaces.map((ns) => ({
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name: `judge-open-${dir}`, namespace: ns.name },
    spec: { podSelector: {}, policyTypes: [dir === 'ingress' ? 'Ingress' : 'Egress'], [dir]: [{}] }
  }) as NetworkPolicy)
}

/** The policy cut to one of its rules in one direction (the other direction's rules untouched). */
function onlyRule (p: NetworkPolicy, dir: 'ingress' | 'egress', rule: number): NetworkPolicy {
  const kept = (dir === 'ingress' ? p.spec.ingress : p.spec.egress)?.[rule]
  return { ...p, spec: { ...p.spec, [dir]: kept ? [kept] : [] } }
}

const other = (dir: 'ingress' | 'egress'): 'ingress' | 'egress' => dir === 'ingress' ? 'egress' : 'ingress'

/**
 * What nca reads: rules of a direction the policy's explicit policyTypes leave out are dropped (they
 * have no effect in Kubernetes, which stores them as given; nca refuses such a policy outright).
 */
export function forAnalyzer (p: NetworkPolicy): NetworkPolicy {
  const types = p.spec.policyTypes
  if (!types || types.length === 0) return p
  const spec = { ...p.spec }
  if (!types.includes('Ingress')) delete spec.ingress
  if (!types.includes('Egress')) delete spec.egress
  return { ...p, spec }
}

/**
 * nca 2.1.0 selects no pod of another namespace through a peer whose podSelector uses Exists or
 * DoesNotExist beside a namespaceSelector (In and NotIn work there; the analyzer's fault, kept as a
 * regression case in shadow-judge.test.ts). On a case's finite set of pods the same selection is
 * written with In / NotIn over the values those pods carry for the key, which nca reads right.
 */
export function withoutExists (p: NetworkPolicy, values: (key: string) => string[]): NetworkPolicy {
  const peer = (x: PolicyPeer): PolicyPeer => {
    const exprs = x.namespaceSelector ? x.podSelector?.matchExpressions : undefined
    if (!exprs?.some((e) => e.operator === 'Exists' || e.operator === 'DoesNotExist')) return x
    const matchExpressions = exprs.flatMap((e) => {
      const v = values(e.key)
      if (e.operator === 'Exists') return [{ key: e.key, operator: 'In' as const, values: v.length > 0 ? v : ['judge-no-pod-has-it'] }]
      if (e.operator === 'DoesNotExist') return v.length > 0 ? [{ key: e.key, operator: 'NotIn' as const, values: v }] : []
      return [e]
    })
    return { ...x, podSelector: { ...x.podSelector, matchExpressions } }
  }
  const spec = { ...p.spec }
  if (spec.ingress) spec.ingress = spec.ingress.map((r) => r.from ? { ...r, from: r.from.map(peer) } : r)
  if (spec.egress) spec.egress = spec.egress.map((r) => r.to ? { ...r, to: r.to.map(peer) } : r)
  return { ...p, spec }
}

export interface JudgedCase { configs: NcaConfig[], compare: (answers: Map<string, Connectivity>) => Disagreement[], calls: number }

/**
 * The case with its pods renamed `c<id>-<name>`: nca keeps one set of pods per run, across all its
 * configurations, and a pod is its name there (a second pod of the same name in another
 * configuration is read as the first, with the first one's labels and ports).
 */
function unique (c: GenCase, id: number): GenCase {
  const rename = (who: string): string => who.includes('/') ? who.replace('/', `/c${id}-`) : who
  return { ...c, pods: c.pods.map((p) => ({ ...p, name: `c${id}-${p.name}` })), calls: c.calls.map((k) => ({ ...k, client: rename(k.client), server: rename(k.server) })) }
}

/** The nca configurations one case needs, and how to compare nca's answers with podmap's verdicts. */
export function judgeCase (original: GenCase, id: number, stored: (p: NetworkPolicy) => NetworkPolicy = (p) => p): JudgedCase {
  const c = unique(original, id)
  const topo = topology(c)
  const values = (key: string): string[] => [...new Set(c.pods.flatMap((p) => p.labels[key] === undefined ? [] : [p.labels[key] as string]))].sort()
  const configs = new Map<string, NcaConfig>()
  const config = (name: string, policies: NetworkPolicy[]): string => {
    const full = `${id}/${name}`
    if (!configs.has(full)) configs.set(full, { name: full, resources: [...topo, ...policies.map((p) => withoutExists(forAnalyzer(stored(p)), values))] })
    return full
  }
  const all = config('all', c.policies)
  const only = { ingress: config('ingress', [...c.policies, ...openAll(c, 'egress')]), egress: config('egress', [...c.policies, ...openAll(c, 'ingress')]) }
  const byKey = new Map(c.policies.map((p) => [`${p.metadata.namespace ?? 'default'}/${p.metadata.name}`, p]))
  const checks: Array<{ call: GenCall, verdict: Verdict, explain: Array<{ config: string, expect: boolean, what: string }> }> = []
  for (const call of c.calls) {
    const verdict = evaluateCall(c.policies, endpointOf(c, call.client), endpointOf(c, call.server), call.port === undefined ? undefined : ({ port: call.port, protocol: call.protocol } as Port)) // SCTP too: the map never has it, the evaluator compares protocols as text
    const explain: Array<{ config: string, expect: boolean, what: string }> = []
    for (const dir of ['ingress', 'egress'] as const) {
      const v = verdict[dir]
      if (v.allowedBy) {
        const p = byKey.get(v.allowedBy.policy)
        if (p) explain.push({ config: config(`rule/${dir}/${v.allowedBy.policy}/${v.allowedBy.rule}`, [onlyRule(stored(p), dir, v.allowedBy.rule), ...openAll(c, other(dir))]), expect: true, what: `${dir} allowedBy ${v.allowedBy.policy} ${dir}[${v.allowedBy.rule}] alone` })
      } else if (!v.allowed) {
        const denying = v.policies.map((k) => byKey.get(k)).filter((p): p is NetworkPolicy => p !== undefined)
        explain.push({ config: config(`deny/${dir}/${v.policies.join(',')}`, [...denying, ...openAll(c, other(dir))]), expect: false, what: `${dir} deniedBy ${v.policies.join(', ')} alone` })
      }
    }
    checks.push({ call, verdict, explain })
  }
  return {
    configs: [...configs.values()],
    calls: c.calls.length,
    compare (answers) {
      const out: Disagreement[] = []
      const ask = (name: string, call: GenCall): boolean => {
        const a = answers.get(name)
        if (!a) throw new Error(`no nca answer for ${name}`)
        return call.port === undefined ? a.allowsAny(call.client, call.server) : a.allows(call.client, call.server, call.protocol, call.port)
      }
      for (const { call, verdict, explain } of checks) {
        const compared: Array<[string, boolean, boolean, string]> = [
          ['ingress', verdict.ingress.allowed, ask(only.ingress, call), only.ingress],
          ['egress', verdict.egress.allowed, ask(only.egress, call), only.egress],
          ['call', verdict.allowed, ask(all, call), all],
          ...explain.map((e): [string, boolean, boolean, string] => [e.what, e.expect, ask(e.config, call), e.config])
        ]
        for (const [what, podmap, analyzer, name] of compared) {
          if (podmap !== analyzer) out.push({ case: id, call, what, podmap, analyzer, detail: `nca (${name}) said:\n${answers.get(name)?.text ?? ''}` })
        }
      }
      return out
    }
  }
}

/** Judges many cases with one nca run per batch; returns the disagreements and the counts. */
export async function judgeCases (cases: GenCase[], nca: (configs: NcaConfig[]) => Promise<Map<string, Connectivity>>, stored: (p: NetworkPolicy) => NetworkPolicy, batch = 250): Promise<{ disagreements: Disagreement[], calls: number, configs: number }> {
  const disagreements: Disagreement[] = []
  let calls = 0
  let configs = 0
  for (let start = 0; start < cases.length; start += batch) {
    const judged = cases.slice(start, start + batch).map((c, i) => judgeCase(c, start + i, stored))
    const all = judged.flatMap((j) => j.configs)
    configs += all.length
    const answers = await nca(all)
    for (const j of judged) { calls += j.calls; disagreements.push(...j.compare(answers)) }
  }
  return { disagreements, calls, configs }
}

/** Every policy of the cases as the API server stores it, keyed by the object itself. */
export async function storedForms (cases: GenCase[], api: { ensureNamespaces: (n: string[]) => Promise<void>, stored: (p: NetworkPolicy) => Promise<NetworkPolicy> }): Promise<(p: NetworkPolicy) => NetworkPolicy> {
  const forms = new Map<NetworkPolicy, NetworkPolicy>()
  await api.ensureNamespaces([...new Set(cases.flatMap((c) => c.namespaces.map((n) => n.name)))])
  for (const c of cases) for (const p of c.policies) forms.set(p, await api.stored(p))
  return (p) => forms.get(p) ?? p
}

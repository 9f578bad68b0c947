/**
 * Shadow mode for the mapper: the map evaluated against the cluster's NetworkPolicies (from the
 * informer), or a proposed set instead of or in addition to them, and the per-namespace gauge of
 * calls the cluster's policies would deny.
 */
import type { Gauge } from 'prom-client'
import type { Edge } from '../../src/contract/map.js'
import type { NetworkPolicy, ShadowMode, ShadowResponse } from '../../src/contract/shadow.js'
import type { ClusterIndex } from '../kube/cluster-index.js'
import { policyKey } from './evaluate.js'
import { clusterPolicies, indexEndpoints } from './index-endpoints.js'
import { deniedPerNamespace, evaluateEdges } from './shadow.js'

export interface ShadowService {
  /** `proposed` undefined: the cluster's policies; otherwise the proposed ones, alone or added. */
  evaluate: (edges: Edge[], proposed?: NetworkPolicy[], mode?: ShadowMode) => ShadowResponse
  /** Re-evaluates the whole map against the cluster's policies and sets the gauge. */
  refreshGauge: () => Promise<void>
}

export interface ShadowDeps {
  cluster: ClusterIndex
  allEdges: () => Promise<Edge[]>
  gauge?: Gauge<'namespace'>
  /** Why the cluster's NetworkPolicies are not visible (RBAC, not served), or undefined when they are. */
  policiesHidden?: () => string | undefined
}

export function createShadowService (deps: ShadowDeps): ShadowService {
  const endpoints = indexEndpoints(deps.cluster)
  const evaluate = (edges: Edge[], proposed?: NetworkPolicy[], mode: ShadowMode = 'replace'): ShadowResponse => {
    const cluster = proposed === undefined || mode === 'add' ? clusterPolicies(deps.cluster).policies : []
    const policies = [...cluster, ...(proposed ?? [])]
    const source = proposed === undefined ? 'cluster' : mode === 'add' ? 'cluster+proposed' : 'proposed'
    const result = evaluateEdges(edges, policies, endpoints)
    const hidden = proposed === undefined || mode === 'add' ? deps.policiesHidden?.() : undefined
    return {
      source,
      policies: policies.map(policyKey),
      evaluated: result.evaluated,
      denied: result.denied,
      allowed: result.allowed,
      ...(hidden !== undefined ? { warnings: [`the cluster's NetworkPolicies are not visible to the mapper (${hidden}): they are not evaluated, so no call is shown as denied by them`] } : {})
    }
  }
  return {
    evaluate,
    async refreshGauge () {
      if (!deps.gauge) return
      // Unknown is not zero: with the policies hidden, the gauge has no series rather than claiming nothing is denied.
      if (deps.policiesHidden?.() !== undefined) { deps.gauge.reset(); return }
      const { denied } = evaluate(await deps.allEdges())
      deps.gauge.reset()
      for (const [ns, n] of deniedPerNamespace(denied)) deps.gauge.set({ namespace: ns }, n)
    }
  }
}

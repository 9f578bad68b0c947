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
  refreshGauge: () => void
}

export function createShadowService (deps: { cluster: ClusterIndex, allEdges: () => Edge[], gauge?: Gauge<'namespace'> }): ShadowService {
  const endpoints = indexEndpoints(deps.cluster)
  const evaluate = (edges: Edge[], proposed?: NetworkPolicy[], mode: ShadowMode = 'replace'): ShadowResponse => {
    const cluster = proposed === undefined || mode === 'add' ? clusterPolicies(deps.cluster).policies : []
    const policies = [...cluster, ...(proposed ?? [])]
    const source = proposed === undefined ? 'cluster' : mode === 'add' ? 'cluster+proposed' : 'proposed'
    const result = evaluateEdges(edges, policies, endpoints)
    return { source, policies: policies.map(policyKey), evaluated: result.evaluated, denied: result.denied }
  }
  return {
    evaluate,
    refreshGauge () {
      if (!deps.gauge) return
      const { denied } = evaluate(deps.allEdges())
      deps.gauge.reset()
      for (const [ns, n] of deniedPerNamespace(denied)) deps.gauge.set({ namespace: ns }, n)
    }
  }
}

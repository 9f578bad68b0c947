/** One entry for every object export: the map (already filtered) in the format asked for. */
import type { Edge } from '../../src/contract/map.js'
import type { ExportFormat, KubeObjectOut } from '../../src/contract/export.js'
import type { ExportLookup } from './lookup.js'
import { toClientIntents } from './intents.js'
import { toNetworkPolicies } from './network-policy.js'
import { toCiliumPolicies } from './cilium.js'

export function exportObjects (format: Exclude<ExportFormat, 'json'>, edges: Edge[], lookup: ExportLookup): KubeObjectOut[] {
  switch (format) {
    case 'intents': return toClientIntents(edges, lookup)
    case 'networkpolicy': return toNetworkPolicies(edges, lookup) as KubeObjectOut[]
    case 'cilium': return toCiliumPolicies(edges, lookup)
  }
}

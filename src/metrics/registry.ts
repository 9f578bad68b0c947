import { Registry, collectDefaultMetrics } from 'prom-client'

/**
 * prom-client's default metrics that are gauges named `_total` (which promtool's lint refuses: only
 * counters end in `_total`). Each is the sum of its labelled sibling (nodejs_active_handles{type},
 * ..._requests{type}, ..._resources{type}), so nothing is lost: `sum(podmap_mapper_nodejs_active_handles)`.
 */
const GAUGES_NAMED_TOTAL = ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total']

/** One registry per process, with Node's default metrics prefixed by the component. */
export function createRegistry (component: 'mapper'): Registry {
  const registry = new Registry()
  const prefix = `podmap_${component}_`
  collectDefaultMetrics({ register: registry, prefix })
  for (const name of GAUGES_NAMED_TOTAL) registry.removeSingleMetric(prefix + name)
  return registry
}

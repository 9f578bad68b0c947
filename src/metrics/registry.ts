import { Registry, collectDefaultMetrics } from 'prom-client'

/** One registry per process, with Node's default metrics prefixed by the component. */
export function createRegistry (component: 'mapper'): Registry {
  const registry = new Registry()
  collectDefaultMetrics({ register: registry, prefix: `podmap_${component}_` })
  return registry
}

import { Counter, Gauge, Histogram, type Registry } from 'prom-client'

/** Every mapper metric, created once on the process registry. */
export function createMapperMetrics (registry: Registry) {
  const registers = [registry]
  return {
    recordsIngested: new Counter({ name: 'podmap_mapper_records_ingested_total', help: 'Report records ingested, by source', labelNames: ['source'] as const, registers }),
    reports: new Counter({ name: 'podmap_mapper_reports_total', help: 'Reports received, by outcome', labelNames: ['outcome'] as const, registers }),
    recordsRefused: new Counter({ name: 'podmap_mapper_records_refused_total', help: 'Report records refused and not mapped, by reason (other-node: a call the reporting node could not have seen; clientpod-other-node: a hostNetwork pod of another node; time-future, time-past, time-order, time-invalid: times outside --max-clock-skew and --retention of the mapper clock; name-wildcard, name-empty-label, name-not-ldh, name-too-long, name-numeric, name-single-label: a DNS name that is not a hostname)', labelNames: ['reason'] as const, registers }),
    snifferTokensRefused: new Counter({ name: 'podmap_mapper_sniffer_tokens_refused_total', help: 'ServiceAccount tokens refused on report routes, by reason (invalid, wrong-serviceaccount, wrong-audience, no-pod-binding)', labelNames: ['reason'] as const, registers }),
    answersRefused: new Counter({ name: 'podmap_mapper_answers_refused_total', help: 'DNS answers of external names dropped from their addresses, by reason (unspecified, loopback, link-local, metadata, multicast, reserved; pod-network, service-network, node-address: the cluster\'s own)', labelNames: ['reason'] as const, registers }),
    checkpoints: new Counter({ name: 'podmap_mapper_checkpoints_total', help: 'Checkpoints of the embedded store written and made durable (one each time the write-ahead log passes --checkpoint-bytes, after a reset, at shutdown)', registers }),
    callsCapped: new Counter({ name: 'podmap_mapper_calls_capped_total', help: 'Calls aggregated or dropped by the map\'s caps, by reason (external-name-aggregated-total, external-name-aggregated-node: recorded as *.<domain> or the /24 (/48); external-aggregate-dropped; edge-dropped-total, edge-dropped-node)', labelNames: ['reason'] as const, registers }),
    graphRenders: new Gauge({ name: 'podmap_mapper_graph_renders', help: 'SVG and PNG pictures being rendered (in the render worker) or waiting for it', registers }),
    earlyRecords: new Gauge({ name: 'podmap_mapper_early_records', help: 'Socket records waiting for an address of the pod or Service network the cluster view does not know yet (a pod that called before its IP reached the informers), resolved again for up to a minute; past --max-early-records counted in podmap_mapper_unresolved_total{reason="early-records-full"}', registers }),
    heldRecords: new Gauge({ name: 'podmap_mapper_held_records', help: 'Report records accepted and kept durably while the cluster view catches up (informers not synced), resolved once it has; past --max-held-records reports get 503', registers }),
    informerUp: new Gauge({ name: 'podmap_mapper_informer_up', help: '1 while an informer has synced and watches live, 0 otherwise: refused by RBAC or not served, polling (watch refused), failing or stalled', labelNames: ['kind'] as const, registers }),
    unresolved: new Counter({ name: 'podmap_mapper_unresolved_total', help: 'Observations that could not be resolved to a workload, by reason', labelNames: ['reason'] as const, registers }),
    edges: new Gauge({ name: 'podmap_mapper_edges', help: 'Edges in the map', registers }),
    informerLastEventAge: new Gauge({ name: 'podmap_mapper_informer_last_event_age_seconds', help: 'Seconds since each informer last delivered an event', labelNames: ['kind'] as const, registers }),
    informerRestarts: new Gauge({ name: 'podmap_mapper_informer_restarts', help: 'Restarts of each informer since start', labelNames: ['kind'] as const, registers }),
    shadowDeniedCalls: new Gauge({ name: 'podmap_mapper_shadow_denied_calls', help: 'Observed calls the cluster\'s NetworkPolicies would deny, by the namespace whose policy denies', labelNames: ['namespace'] as const, registers }),
    requestDuration: new Histogram({ name: 'podmap_mapper_http_request_duration_seconds', help: 'HTTP request duration by route template', labelNames: ['method', 'route', 'status_code'] as const, buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5], registers })
  }
}

export type MapperMetrics = ReturnType<typeof createMapperMetrics>

/** What the map costs in memory, read from the store on each scrape (a backend that cannot say reports nothing). */
export function mapBytesGauge (registry: Registry, read: () => number | undefined): Gauge {
  return new Gauge({
    name: 'podmap_mapper_map_bytes',
    help: 'Estimated bytes the map holds in memory: every edge\'s history arrays exactly, plus the measured JS heap an edge costs besides (about 1.7 KB) and its addresses',
    registers: [registry],
    collect () { const n = read(); if (n !== undefined) this.set(n) }
  })
}

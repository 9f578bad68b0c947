import { Counter, Gauge, Histogram, Registry, collectProcessMetrics } from '../src/metrics/lean-registry.js'

/** The sniffer's registry: its own metrics (below) plus the process metrics, prefixed podmap_sniffer_. */
export function createSnifferRegistry (): Registry {
  const registry = new Registry()
  collectProcessMetrics(registry, 'podmap_sniffer_')
  return registry
}

/** Every sniffer metric, created once on the process registry and handed to the parts that count. */
export function createSnifferMetrics (registry: Registry) {
  const registers = [registry]
  return {
    packets: new Counter({ name: 'podmap_sniffer_packets_total', help: 'Packets delivered by libpcap, after the kernel filter (--pcap-kernel-filter): packets it dropped are not counted anywhere', registers }),
    duplicatePackets: new Counter({ name: 'podmap_sniffer_duplicate_packets_total', help: 'Packets seen a second time on another interface of the any device, counted once (the kernel filter passes one copy of most; see README)', registers }),
    dnsResponses: new Counter({ name: 'podmap_sniffer_dns_responses_total', help: 'DNS responses decoded (those with a name and addresses)', registers }),
    dnsSkipped: new Counter({ name: 'podmap_sniffer_dns_skipped_total', help: 'Well-formed DNS packets with nothing to map, by reason. With --pcap-kernel-filter answers (the default) the kernel drops UDP responses with a non-zero RCODE or no answer records, uncounted: nxdomain and rcode then count only responses over TCP or in IPv4 packets with options, no-address only those with answer records but no address', labelNames: ['reason'] as const, registers }),
    decodeErrors: new Counter({ name: 'podmap_sniffer_decode_errors_total', help: 'Packets that could not be decoded, by reason', labelNames: ['reason'] as const, registers }),
    pcapDropped: new Counter({ name: 'podmap_sniffer_pcap_dropped_total', help: 'Packets the kernel dropped before libpcap read them (pcap_stats ps_drop)', registers }),
    pcapIfDropped: new Counter({ name: 'podmap_sniffer_pcap_interface_dropped_total', help: 'Packets the interface dropped (pcap_stats ps_ifdrop)', registers }),
    syns: new Counter({ name: 'podmap_sniffer_syns_total', help: 'First SYNs of TCP connections captured (each counted once)', registers }),
    sockets: new Gauge({ name: 'podmap_sniffer_sockets', help: 'Sessions seen by the last /proc scan, by protocol', labelNames: ['protocol'] as const, registers }),
    scanNamespaces: new Gauge({ name: 'podmap_sniffer_scan_namespaces', help: 'Network namespaces read by the last /proc scan', registers }),
    scanErrors: new Counter({ name: 'podmap_sniffer_scan_errors_total', help: 'Errors while reading /proc, by reason', labelNames: ['reason'] as const, registers }),
    scanDuration: new Histogram({ name: 'podmap_sniffer_scan_duration_seconds', help: 'Duration of one full /proc scan', buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5], registers }),
    reports: new Counter({ name: 'podmap_sniffer_reports_total', help: 'Report sends by outcome', labelNames: ['outcome'] as const, registers }),
    recordsSent: new Counter({ name: 'podmap_sniffer_records_sent_total', help: 'Records acknowledged by the mapper', registers }),
    recordsDropped: new Counter({ name: 'podmap_sniffer_records_dropped_total', help: 'Records dropped, by reason', labelNames: ['reason'] as const, registers }),
    healthClosed: new Counter({ name: 'podmap_sniffer_health_connections_closed_total', help: 'Connections to /healthz and /metrics refused or cut off, by reason: cap-peer, cap-total, deadline', labelNames: ['reason'] as const, registers }),
    timerErrors: new Counter({ name: 'podmap_sniffer_timer_errors_total', help: 'Errors caught in the sniffer\'s timers (which would otherwise end the process), by timer', labelNames: ['timer'] as const, registers }),
    recordsDeferred: new Counter({ name: 'podmap_sniffer_records_deferred_total', help: 'Records of keys already sent, folded into their next refresh instead of being sent at once', registers }),
    sentKeys: new Gauge({ name: 'podmap_sniffer_sent_keys', help: 'Keys (DNS answers, sessions) remembered as sent, at most --max-sent-keys', registers }),
    sentKeysForgotten: new Counter({ name: 'podmap_sniffer_sent_keys_forgotten_total', help: 'Keys forgotten because --max-sent-keys was reached (sent again as new when next observed)', registers }),
    tokenReadErrors: new Counter({ name: 'podmap_sniffer_token_read_errors_total', help: 'Reads of --service-account-token-file that failed or found it empty (the last token read was sent instead)', registers }),
    mapperRestarts: new Counter({ name: 'podmap_sniffer_mapper_restarts_total', help: 'Mapper restarts seen in report acks (each one makes the sniffer send what is current again)', registers }),
    pendingRecords: new Gauge({ name: 'podmap_sniffer_pending_records', help: 'Records waiting to be sent (collected or retrying)', registers })
  }
}

export type SnifferMetrics = ReturnType<typeof createSnifferMetrics>

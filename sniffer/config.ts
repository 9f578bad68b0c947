import * as z from 'zod/mini'
import { hostname } from 'node:os'
import { duration, port, type OptionSpecs } from '../src/config/options.js'

/** Every `podmap sniffer` option; each is also read from PODMAP_<NAME>. */
export const snifferOptions = {
  'node-name': { schema: z._default(z.string().check(z.minLength(1)), hostname()), help: 'this node\'s name (default: $NODE_NAME, else the host name)', env: ['NODE_NAME'] },
  interface: { schema: z._default(z.string().check(z.minLength(1)), 'any'), help: 'device to capture DNS responses on (default any)' },
  'proc-root': { schema: z._default(z.string().check(z.minLength(1)), '/proc'), help: 'where the host\'s /proc is mounted (default /proc; /host/proc in a cluster)' },
  'scan-interval': { schema: duration('5s'), help: 'how often to read /proc/<pid>/net/tcp* (default 5s)' },
  'report-interval': { schema: duration('5s'), help: 'how often to send a batch to the mapper (default 5s)' },
  'refresh-interval': { schema: duration('60s'), help: 'how often a record already sent is sent again while it is still observed (default 60s; new ones go in the next report)' },
  'max-sent-keys': { schema: z._default(z.coerce.number().check(z.int(), z.minimum(100)), 20_000), help: 'DNS answers and sessions remembered as sent (default 20000; past it the least recently observed is forgotten and sent again as new)' },
  'mapper-url': { schema: z.url(), help: 'the mapper\'s base URL, e.g. http://podmap-mapper:9090' },
  'token-file': { schema: z.optional(z.string().check(z.minLength(1))), help: 'file holding the shared bearer token for POST /api/v1/reports, read once (for a mapper with --sniffer-auth token or both; give this or --service-account-token-file)' },
  'service-account-token-file': { schema: z.optional(z.string().check(z.minLength(1))), help: 'file holding this sniffer\'s projected ServiceAccount token (audience podmap), read again for every report as the kubelet rotates it (for a mapper with --sniffer-auth serviceaccount or both; give this or --token-file)' },
  'metrics-port': { schema: port(9476), help: 'port for /healthz and /metrics (default 9476)' },
  'metrics-host': { schema: z._default(z.string(), '0.0.0.0'), help: 'address for /healthz and /metrics (default 0.0.0.0)' },
  'metrics-max-connections': { schema: z._default(z.coerce.number().check(z.int(), z.minimum(1)), 128), help: 'open /healthz and /metrics connections from addresses other than the node\'s own (default 128; 8 per address, 5 s per connection)' },
  'max-pending-records': { schema: z._default(z.coerce.number().check(z.int(), z.minimum(100)), 200_000), help: 'records kept for retry while the mapper is unreachable (default 200000)' },
  'pcap-buffer-size': { schema: z._default(z.coerce.number().check(z.int(), z.minimum(1 << 20)), 2 << 20), help: 'libpcap kernel buffer in bytes, all of it resident (default 2 MiB: lossless at 150,000 DNS responses/s, see BENCHMARKS.md)' },
  'pcap-snaplen': { schema: z._default(z.coerce.number().check(z.int(), z.minimum(256), z.maximum(262_144)), 4096), help: 'bytes kept of each captured packet (default 4096)' },
  'pcap-link-type': { schema: z._default(z.enum(['default', 'sll', 'sll2']), 'default'), help: 'link type to ask libpcap for on the any device: default, sll or sll2 (default: libpcap\'s choice)' },
  'pcap-kernel-filter': {
    schema: z.pipe(z._default(z.string(), 'answers,direction'), z.transform((text: string, ctx) => {
      const words = text.split(',').map((w) => w.trim()).filter((w) => w !== '')
      const bad = words.filter((w) => w !== 'answers' && w !== 'direction' && w !== 'none')
      if (bad.length > 0 || words.length === 0 || (words.includes('none') && words.length > 1)) {
        ctx.issues.push({ code: 'custom', message: `"${text}" is not a list of answers, direction (or none)`, input: text })
        return z.NEVER
      }
      return { answers: words.includes('answers'), direction: words.includes('direction') }
    })),
    help: 'what the kernel drops before the sniffer sees it: answers (UDP responses with a non-zero RCODE or no answer records), direction (on any, the second copy of a forwarded packet), both (the default: answers,direction) or none'
  },
  'capture-syns': { schema: z.pipe(z._default(z.enum(['true', 'false']), 'true'), z.transform((v) => v === 'true')), help: 'also capture the first SYN of each TCP connection, for connections shorter than a scan (default true)' },
  'log-level': { schema: z._default(z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace']), 'info'), help: 'log level (default info)' }
} satisfies OptionSpecs

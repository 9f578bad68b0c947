// Helper for testbed.test.ts: builds a small testbed, prints its prefix and namespaces as JSON and
// waits to be SIGKILLed, leaving a stale testbed for sweepStaleTestbeds() to find. Exits on its
// own after 30 s so it can never linger.
import { createTestbed } from './testbed.js'

const tb = await createTestbed({
  workloads: [{ kind: 'Deployment', name: 'lonely', namespace: 'crash' }, { kind: 'ReplicaSet', name: 'lonely-6b7c8d9f5a', namespace: 'crash', owner: { kind: 'Deployment', name: 'lonely' } }],
  pods: [{ name: 'lonely-6b7c8d9f5a-abcde', namespace: 'crash', labels: { app: 'lonely' }, owner: { kind: 'ReplicaSet', name: 'lonely-6b7c8d9f5a' } }],
  services: [],
  externals: []
})
process.stdout.write(JSON.stringify({ prefix: tb.prefix, slot: tb.slot, namespaces: [tb.nodeNs, tb.dnsNs, tb.internetNs, ...[...tb.pods.values()].map((p) => p.netns)] }) + '\n')
setTimeout(() => { void tb.destroy().then(() => process.exit(3)) }, 30_000)

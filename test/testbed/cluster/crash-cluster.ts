// Helper for cluster.test.ts: starts a cluster with one pod, prints its slot, prefix, PIDs and
// cgroup folders as JSON, and waits to be SIGKILLed. Exits on its own after 90 s.
import { startCluster } from './cluster.js'
import { IDLE, pod, toYaml } from './manifests.js'

const c = await startCluster({ nodes: ['crash-a'] })
await c.apply(toYaml([pod('lonely', 'default', { labels: { app: 'lonely' }, command: IDLE })]))
await c.waitFor('the pod running', async () => (await c.pod('default/lonely')).phase === 'Running' ? true : undefined, 60_000)
process.stdout.write(JSON.stringify({ slot: c.run.slot, prefix: c.run.prefix, pids: c.run.state.pids, cgroups: c.run.state.cgroups }) + '\n')
setTimeout(() => { void c.stop().then(() => process.exit(3)) }, 90_000)

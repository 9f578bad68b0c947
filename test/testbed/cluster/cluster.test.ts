/**
 * The namespace cluster on the real control plane: the node agents register Ready nodes, run the
 * pods the real controllers and scheduler make (addresses from each node's podCIDR, kubelet-style
 * status and cgroups), keep each node's processes in its own PID namespace, route Services by the
 * real EndpointSlices on every node, finish graceful deletes and reuse freed addresses; CoreDNS
 * answers as in any cluster; kubectl port-forward reaches a pod through the kubelet port; and a
 * SIGKILLed cluster leaves nothing behind after the sweep.
 */
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { existsSync, readdirSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { startCluster, type Cluster } from './cluster.js'
import { deployment, IDLE, namespace, nodeCommand, pod, PROGRAM, service, statefulSet, toYaml } from './manifests.js'
import { isAlive, statePath, sweepStaleTestbeds } from '../state-registry.js'
import { waitForOutput } from '../wait-for-output.js'

let c: Cluster
const server = (labels: Record<string, string>, port: number): Parameters<typeof deployment>[2] => ({
  labels, command: nodeCommand(PROGRAM.tcpServer, '--tcp', String(port)), ports: [{ name: 'http', containerPort: port }], readinessProbe: { tcpSocket: { port }, periodSeconds: 1 }
})

before(async () => {
  c = await startCluster({ externals: [{ name: 'api.partner.example', ports: [443] }], cnames: [{ alias: 'payments.partner.example', target: 'api.partner.example' }] })
  await c.apply(toYaml([
    namespace('web'),
    deployment('echo', 'web', server({ app: 'echo' }, 8080), 2),
    service('echo', 'web', { app: 'echo' }, [{ name: 'http', port: 80, targetPort: 'http' }]),
    { ...service('echo4', 'web', { app: 'echo' }, [{ port: 80, targetPort: 8080 }]), spec: { selector: { app: 'echo' }, ipFamilyPolicy: 'SingleStack', ports: [{ port: 80, targetPort: 8080 }] } },
    statefulSet('db', 'web', 'db', server({ app: 'db' }, 5432)),
    service('db', 'web', { app: 'db' }, [{ name: 'pg', port: 5432, targetPort: 5432 }], { headless: true }),
    pod('shell-a', 'web', { labels: { app: 'shell' }, command: IDLE }),
    pod('shell-b', 'web', { labels: { app: 'shell' }, command: IDLE })
  ]))
  await c.waitFor('every pod ready', async () => {
    const pods = await c.pods('web')
    return pods.length === 5 && pods.every((p) => p.ready) ? pods : undefined
  }, 60_000)
})

after(async () => { await c?.stop() })

interface Node { metadata: { name: string }, spec: { podCIDRs: string[] }, status: { conditions: Array<{ type: string, status: string }>, addresses: Array<{ type: string, address: string }> } }

test('the nodes are registered and Ready: InternalIPs on the LAN, podCIDRs, a renewed Lease each', async () => {
  const nodes = await c.cp.client.get<{ items: Node[] }>('/api/v1/nodes')
  assert.deepEqual(nodes.items.map((n) => n.metadata.name).sort(), ['node-a', 'node-b'])
  for (const n of nodes.items) {
    const plan = c.nodes.find((x) => x.name === n.metadata.name)
    assert.equal(n.status.conditions.find((x) => x.type === 'Ready')?.status, 'True')
    assert.deepEqual(n.status.addresses.filter((a) => a.type === 'InternalIP').map((a) => a.address), [plan?.ipv4, plan?.ipv6])
    assert.deepEqual(n.spec.podCIDRs, [plan?.podCidr4, plan?.podCidr6])
    const lease = await c.cp.client.get<{ spec: { holderIdentity: string, renewTime: string } }>(`/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/${n.metadata.name}`)
    assert.equal(lease.spec.holderIdentity, n.metadata.name)
    assert.ok(Date.now() - Date.parse(lease.spec.renewTime) < 60_000)
  }
})

test('pods get their node\'s podCIDR addresses and a kubelet-style status, and run in a kubepods cgroup', async () => {
  const pods = await c.pods('web', 'app=echo')
  assert.equal(pods.length, 2)
  for (const p of pods) {
    const node = c.nodes.find((n) => n.name === p.nodeName)
    assert.ok(node !== undefined, p.nodeName)
    assert.ok(p.ipv4.startsWith(node.podCidr4.replace(/0\/24$/, '')), `${p.ipv4} in ${node.podCidr4}`)
    const full = await c.cp.client.get<{ status: Record<string, unknown> & { containerStatuses: Array<{ containerID: string, ready: boolean, state: { running?: object } }>, conditions: Array<{ type: string, status: string }> } }>(`/api/v1/namespaces/web/pods/${p.name}`)
    const s = full.status
    assert.equal(s.hostIP, node.ipv4)
    assert.deepEqual(s.podIPs, [{ ip: p.ipv4 }, { ip: p.ipv6 }])
    assert.ok(typeof s.startTime === 'string')
    const cs = s.containerStatuses[0]
    assert.match(cs?.containerID ?? '', /^containerd:\/\/[0-9a-f]{64}$/)
    assert.ok(cs?.ready === true && cs.state.running !== undefined)
    assert.equal(s.conditions.find((x) => x.type === 'Ready')?.status, 'True')
    const id = (cs?.containerID ?? '').slice('containerd://'.length)
    // Read through cat: a process that exits between the glob and the read makes grep exit 2 even when it matched.
    const found = await c.exec({ node: p.nodeName }, ['sh', '-c', `cat /proc/[0-9]*/cgroup 2>/dev/null | grep cri-containerd-${id}.scope`])
    assert.equal(found.code, 0, `no process of ${p.name} in its container's cgroup on ${p.nodeName}`)
    assert.match(found.stdout, new RegExp(`/kubepods\\.slice/kubepods-besteffort\\.slice/kubepods-besteffort-pod${p.uid.replaceAll('-', '_')}\\.slice/cri-containerd-${id}\\.scope`))
  }
})

test('each node has its own PID namespace and /proc: a node sees its own pods\' processes only', async () => {
  const shells = await c.pods('web', 'app=shell')
  for (const node of c.nodes) {
    const r = await c.exec({ node: node.name }, ['sh', '-c', 'for p in /proc/[0-9]*; do tr "\\0" " " < $p/cmdline; echo; done'])
    assert.equal(r.code, 0, r.stderr)
    const lines = r.stdout.split('\n')
    const serversHere = (await c.pods('web', 'app=echo')).filter((p) => p.nodeName === node.name).length +
      (await c.pods('web', 'app=db')).filter((p) => p.nodeName === node.name).length
    assert.equal(lines.filter((l) => l.includes('tcp-server.mjs')).length, serversHere, `${node.name}:\n${r.stdout}`)
    const idleHere = shells.filter((p) => p.nodeName === node.name).length
    assert.equal(lines.filter((l) => l.includes('setInterval')).length, idleHere, `${node.name}:\n${r.stdout}`)
  }
})

test('Services: a ClusterIP call through the node\'s DNAT reaches the pods, from every node and from a pod', async () => {
  for (const node of c.nodes) {
    const r = await c.exec({ node: node.name }, nodeCommand(PROGRAM.client, '--host', 'echo.web.svc.cluster.local', '--port', '80', '--family', '4'))
    assert.equal(r.code, 0, r.stdout + r.stderr)
    assert.equal(JSON.parse(r.stdout.trim()).reply, 'hello')
  }
  for (const family of ['4', '6']) {
    const r = await c.exec('web/shell-a', nodeCommand(PROGRAM.client, '--host', 'echo', '--port', '80', '--family', family))
    assert.equal(r.code, 0, r.stdout + r.stderr)
    assert.equal(JSON.parse(r.stdout.trim()).family, Number(family))
  }
})

async function ask (name: string, type: string): Promise<{ rcode: string, answers: Array<{ type: string, data: unknown }>, authorities: Array<{ type: string }>, additionals: Array<{ type: string }> }> {
  const r = await c.exec('web/shell-b', nodeCommand(PROGRAM.dnsQuery, '--server', c.kubeDnsIPv4, '--name', name, '--type', type))
  assert.equal(r.code, 0, r.stderr)
  return JSON.parse(r.stdout.trim())
}

test('CoreDNS: Service, headless and pod records, search-path NXDOMAIN with SOA, AAAA NODATA, EDNS, externals forwarded', async () => {
  const echo4 = await c.cp.client.get<{ spec: { clusterIP: string } }>('/api/v1/namespaces/web/services/echo4')
  const a = await ask('echo4.web.svc.cluster.local', 'A')
  assert.deepEqual(a.answers.map((x) => x.data), [echo4.spec.clusterIP])
  assert.ok(a.additionals.some((x) => x.type === 'OPT'), 'EDNS in the answer')
  const nodata = await ask('echo4.web.svc.cluster.local', 'AAAA')
  assert.equal(nodata.rcode, 'NOERROR')
  assert.deepEqual(nodata.answers, [])
  assert.equal(nodata.authorities[0]?.type, 'SOA')
  const nx = await ask('api.partner.example.web.svc.cluster.local', 'A')
  assert.equal(nx.rcode, 'NXDOMAIN')
  assert.equal(nx.authorities[0]?.type, 'SOA')
  const db = (await c.pods('web', 'app=db'))[0]
  assert.equal(db?.name, 'db-0')
  assert.deepEqual((await ask('db-0.db.web.svc.cluster.local', 'A')).answers.map((x) => x.data), [db?.ipv4])
  assert.deepEqual((await ask('db.web.svc.cluster.local', 'AAAA')).answers.map((x) => x.data), [db?.ipv6])
  assert.deepEqual((await ask(`${db?.ipv4.replaceAll('.', '-')}.web.pod.cluster.local`, 'A')).answers.map((x) => x.data), [db?.ipv4])
  const ext = await ask('payments.partner.example', 'A')
  assert.deepEqual(ext.answers.map((x) => x.type), ['CNAME', 'A'])
  assert.equal(ext.answers[1]?.data, c.externals.get('api.partner.example')?.ipv4)
})

test('graceful delete: the agent stops the pod, finishes the delete, frees the sandbox, and the address is taken again', async () => {
  const node = c.nodes[0]?.name ?? ''
  const pinned = (name: string): string => toYaml([{ ...pod(name, 'web', { labels: { app: 'pinned' }, command: IDLE }), spec: { ...(pod(name, 'web', { labels: { app: 'pinned' }, command: IDLE }).spec as object), nodeName: node } }])
  await c.apply(pinned('first'))
  const first = await c.waitFor('first running', async () => { const p = await c.pod('web/first'); return p.phase === 'Running' ? p : undefined }, 30_000)
  const del = await c.kubectl(['delete', 'pod', '-n', 'web', 'first', '--wait=true', '--timeout=30s'])
  assert.equal(del.code, 0, del.stderr)
  assert.equal((await c.cp.client.request('GET', '/api/v1/namespaces/web/pods/first', undefined, { allow: [404] })).status, 404)
  assert.ok(!readdirSync('/run/netns').includes(`${c.run.prefix}-pod-${first.uid.replaceAll('-', '').slice(0, 12)}`), 'sandbox namespace removed')
  await c.apply(pinned('second'))
  const second = await c.waitFor('second running', async () => { const p = await c.pod('web/second'); return p.phase === 'Running' ? p : undefined }, 30_000)
  assert.equal(second.ipv4, first.ipv4)
  assert.equal(second.ipv6, first.ipv6)
})

test('a Job runs to completion: pod Succeeded with exit code 0, Job Complete', async () => {
  await c.apply(toYaml([{ apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'once', namespace: 'web' }, spec: { backoffLimit: 0, template: { spec: { restartPolicy: 'Never', containers: [{ name: 'main', image: 'x', command: ['sh', '-c', 'exit 0'] }] } } } }]))
  const job = await c.waitFor('job complete', async () => {
    const j = await c.cp.client.get<{ status: { conditions?: Array<{ type: string, status: string }> } }>('/apis/batch/v1/namespaces/web/jobs/once')
    return j.status.conditions?.some((x) => x.type === 'Complete' && x.status === 'True') === true ? j : undefined
  }, 60_000)
  assert.ok(job)
  const pods = await c.pods('web', 'job-name=once')
  assert.equal(pods[0]?.phase, 'Succeeded')
})

interface Slice { endpoints?: Array<{ targetRef?: { name: string }, conditions?: { ready?: boolean } }> }
const endpointReady = async (svc: string, podName: string): Promise<boolean | undefined> => {
  const slices = await c.cp.client.get<{ items: Slice[] }>(`/apis/discovery.k8s.io/v1/namespaces/web/endpointslices?labelSelector=${encodeURIComponent(`kubernetes.io/service-name=${svc}`)}`)
  return slices.items.flatMap((x) => x.endpoints ?? []).find((e) => e.targetRef?.name === podName)?.conditions?.ready
}

test('a pod marked not ready by another writer (as the node lifecycle controller does) is put right by its node, and is back in its Service', async () => {
  const target = (await c.pods('web', 'app=echo'))[0]?.name ?? ''
  await c.cp.client.request('PATCH', `/api/v1/namespaces/web/pods/${target}/status`,
    { status: { conditions: [{ type: 'Ready', status: 'False', reason: 'NodeNotReady' }] } }, { contentType: 'application/strategic-merge-patch+json' })
  await c.waitFor('the node agent writes Ready=True again', async () => (await c.pod(`web/${target}`)).ready ? true : undefined, 30_000)
  await c.waitFor('the endpoint ready again', async () => await endpointReady('echo', target) === true ? true : undefined, 30_000)
})

test('after an etcd compaction and an API server restart the nodes carry on: a new pod runs, becomes ready and is served by its Service', async () => {
  await c.cp.compactEtcd()
  await c.cp.restartApiserver()
  await c.apply(toYaml([deployment('late', 'web', server({ app: 'late' }, 8081)), service('late', 'web', { app: 'late' }, [{ name: 'http', port: 80, targetPort: 'http' }])]))
  const late = await c.waitFor('the new pod ready', async () => (await c.pods('web', 'app=late')).find((p) => p.ready), 60_000)
  await c.waitFor('its endpoint ready', async () => await endpointReady('late', late.name) === true ? true : undefined, 30_000)
  for (const node of c.nodes) {
    const r = await c.waitFor(`a call through the Service from ${node.name}`, async () => {
      const x = await c.exec({ node: node.name }, nodeCommand(PROGRAM.client, '--host', 'late.web.svc.cluster.local', '--port', '80', '--family', '4'))
      return x.code === 0 ? x : undefined
    }, 30_000, 500)
    assert.equal(JSON.parse(r.stdout.trim()).reply, 'hello')
  }
})

test('kubectl port-forward reaches a pod through the API server and the node agent\'s kubelet port', async () => {
  const target = (await c.pods('web', 'app=echo'))[0]?.name ?? ''
  const child = spawn(fileURLToPath(new URL('../../../.tools/bin/kubectl', import.meta.url)), ['--kubeconfig', c.kubeconfig, '-n', 'web', 'port-forward', `pod/${target}`, '0:8080'], { stdio: ['ignore', 'pipe', 'pipe'] })
  try {
    const line = await waitForOutput(child, /Forwarding from 127\.0\.0\.1:\d+/, 30_000, 'kubectl port-forward')
    const port = Number(/:(\d+)/.exec(line)?.[1])
    const { connect } = await import('node:net')
    const reply = await new Promise<string>((resolve, reject) => {
      const s = connect(port, '127.0.0.1', () => s.write('ping\n'))
      s.once('data', (d) => { resolve(d.toString()); s.end() })
      s.once('error', reject)
    })
    assert.match(reply, /ping/)
  } finally {
    child.kill('SIGTERM')
  }
})

test('a SIGKILLed cluster takes its processes with it and the sweep removes its namespaces and cgroups', async () => {
  const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./crash-cluster.ts', import.meta.url))], { stdio: ['ignore', 'pipe', 'pipe'] })
  const line = await waitForOutput(child, /^\{/, 120_000, 'crash-cluster')
  const { slot, prefix, pids, cgroups } = JSON.parse(line) as { slot: number, prefix: string, pids: Array<{ pid: number, start: string }>, cgroups: string[] }
  child.kill('SIGKILL')
  await c.waitFor('every process of the killed cluster gone', async () => pids.every((p) => !isAlive(p)) ? true : undefined, 30_000)
  assert.ok(existsSync(statePath(slot)))
  sweepStaleTestbeds()
  assert.equal(existsSync(statePath(slot)), false)
  assert.deepEqual(readdirSync('/run/netns').filter((n) => n.startsWith(`${prefix}-`)), [])
  for (const cg of cgroups) assert.equal(existsSync(cg), false, cg)
})

/**
 * The kubelet's node half: registers the Node (labels, podCIDRs), reports its status (Ready,
 * InternalIPs, capacity, the kubelet port) and renews its Lease in kube-node-lease every 10 s, so
 * the node lifecycle controller keeps it Ready and untainted.
 */
import { readFileSync } from 'node:fs'
import type { KubeClient } from '../control-plane/kube-http.js'
import type { AgentConfig } from './agent-config.js'

const MERGE = { contentType: 'application/merge-patch+json' }
const microTime = (d = new Date()): string => d.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z')

function nodeStatus (c: AgentConfig, startedAt: string): object {
  const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z')
  const cond = (type: string, status: string, reason: string, message: string): object => ({ type, status, reason, message, lastHeartbeatTime: now, lastTransitionTime: startedAt })
  const capacity = { cpu: '2', memory: '8Gi', pods: '110', 'ephemeral-storage': '20Gi' }
  let kernel = 'unknown'
  try { kernel = readFileSync('/proc/sys/kernel/osrelease', 'utf8').trim() } catch { /* keep unknown */ }
  return {
    status: {
      conditions: [
        cond('MemoryPressure', 'False', 'KubeletHasSufficientMemory', 'kubelet has sufficient memory available'),
        cond('DiskPressure', 'False', 'KubeletHasNoDiskPressure', 'kubelet has no disk pressure'),
        cond('PIDPressure', 'False', 'KubeletHasSufficientPID', 'kubelet has sufficient PID available'),
        cond('Ready', 'True', 'KubeletReady', 'podmap testbed node agent is posting ready status')
      ],
      addresses: [{ type: 'InternalIP', address: c.ipv4 }, { type: 'InternalIP', address: c.ipv6 }, { type: 'Hostname', address: c.nodeName }],
      capacity,
      allocatable: capacity,
      daemonEndpoints: { kubeletEndpoint: { Port: c.kubeletPort } },
      nodeInfo: {
        machineID: c.nodeName, systemUUID: c.nodeName, bootID: startedAt, kernelVersion: kernel,
        osImage: 'podmap testbed (network namespaces)', containerRuntimeVersion: 'podmap-testbed://1',
        kubeletVersion: c.kubeletVersion, kubeProxyVersion: c.kubeletVersion, operatingSystem: 'linux', architecture: 'amd64'
      }
    }
  }
}

export interface NodeLifecycle { stop: () => void }

export async function registerNode (kubelet: KubeClient, c: AgentConfig, log: (m: string) => void): Promise<NodeLifecycle> {
  const startedAt = new Date().toISOString().replace(/\.\d+Z$/, 'Z')
  const node = {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name: c.nodeName, labels: { 'kubernetes.io/hostname': c.nodeName, 'kubernetes.io/os': 'linux', 'kubernetes.io/arch': 'amd64' } },
    spec: { podCIDR: c.podCidr4, podCIDRs: [c.podCidr4, c.podCidr6] }
  }
  const created = await kubelet.request<{ metadata: { uid: string } }>('POST', '/api/v1/nodes', node, { allow: [409] })
  const uid = created.status === 409
    ? (await kubelet.get<{ metadata: { uid: string } }>(`/api/v1/nodes/${c.nodeName}`)).metadata.uid
    : created.body.metadata.uid
  const patchStatus = async (): Promise<void> => { await kubelet.request('PATCH', `/api/v1/nodes/${c.nodeName}/status`, nodeStatus(c, startedAt), MERGE) }
  await patchStatus()
  const leasePath = `/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/${c.nodeName}`
  await kubelet.request('POST', '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases', {
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: { name: c.nodeName, ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: c.nodeName, uid }] },
    spec: { holderIdentity: c.nodeName, leaseDurationSeconds: 40, renewTime: microTime() }
  }, { allow: [409] })
  let ticks = 0
  const timer = setInterval(() => {
    ticks++
    const renew = kubelet.request('PATCH', leasePath, { spec: { holderIdentity: c.nodeName, renewTime: microTime() } }, MERGE)
    const status = ticks % 6 === 0 ? patchStatus() : Promise.resolve()
    Promise.all([renew, status]).catch((err: Error) => log(`node heartbeat failed: ${err.message}`))
  }, 10_000)
  return { stop: () => clearInterval(timer) }
}

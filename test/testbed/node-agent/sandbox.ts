/**
 * A pod's sandbox, what a CNI plugin and the container runtime make before any container starts:
 * a network namespace (named, so tests and tools can enter it) joined to the node by a veth, the
 * pod's IPv4 and IPv6 address from the node's podCIDR, routes to the cluster's ranges only (never
 * a default route) through the node's pod-network address, and the kubelet's resolv.conf and hosts
 * files (`ip netns exec` binds /etc/netns/<netns>/* over /etc). Torn down after the last container
 * ended: the namespace, the veth with it, and the files.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { AgentConfig } from './agent-config.js'
import { runCmd } from './run-cmd.js'

export const NODE_LINK_LOCAL = 'fe80::1'

export interface Sandbox {
  netns: string
  ipv4: string
  ipv6: string
  veth: string
  index: number
}

export interface SandboxPod {
  uid: string
  name: string
  namespace: string
  hostname?: string
  subdomain?: string
}

function podFiles (c: AgentConfig, pod: SandboxPod, ipv4: string, ipv6: string): { resolv: string, hosts: string } {
  const d = c.clusterDomain
  const host = pod.hostname ?? pod.name
  const fqdn = pod.subdomain !== undefined ? `${host}.${pod.subdomain}.${pod.namespace}.svc.${d}` : undefined
  return {
    resolv: `search ${pod.namespace}.svc.${d} svc.${d} ${d}\n${c.clusterDns.map((ip) => `nameserver ${ip}`).join('\n')}\noptions ndots:5\n`,
    hosts: `# Kubernetes-managed hosts file (podmap node agent).\n127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n${ipv4}\t${fqdn !== undefined ? `${fqdn}\t` : ''}${host}\n${ipv6}\t${fqdn !== undefined ? `${fqdn}\t` : ''}${host}\n`
  }
}

export function netnsName (c: AgentConfig, uid: string): string {
  return `${c.podNetnsPrefix}${uid.replaceAll('-', '').slice(0, 12)}`
}

export async function createSandbox (c: AgentConfig, pod: SandboxPod, index: number): Promise<Sandbox> {
  const netns = netnsName(c, pod.uid)
  const ipv4 = c.podIPv4s[index] as string
  const ipv6 = c.podIPv6s[index] as string
  const veth = `${c.vethPrefix}${index}`
  const files = podFiles(c, pod, ipv4, ipv6)
  const etc = join('/etc/netns', netns)
  mkdirSync(etc, { recursive: true })
  writeFileSync(join(etc, 'resolv.conf'), files.resolv)
  writeFileSync(join(etc, 'hosts'), files.hosts)
  await runCmd('ip', ['netns', 'add', netns])
  try {
    await runCmd('ip', ['link', 'add', veth, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', netns])
    await runCmd('ip', ['-n', netns, '-batch', '-'], [
      'link set lo up',
      `addr add ${ipv4}/32 dev eth0`,
      `addr add ${ipv6}/128 dev eth0 nodad`,
      'link set eth0 up',
      `route add ${c.gateway4}/32 dev eth0 scope link`,
      ...c.podRoutes4.map((r) => `route add ${r} via ${c.gateway4} dev eth0 src ${ipv4}`),
      ...c.podRoutes6.map((r) => `route add ${r} via ${NODE_LINK_LOCAL} dev eth0`)
    ].join('\n') + '\n')
    await runCmd('ip', ['-batch', '-'], [
      `link set ${veth} up`,
      `addr add ${NODE_LINK_LOCAL}/64 dev ${veth} nodad`,
      `route add ${ipv4}/32 dev ${veth} src ${c.gateway4}`,
      `route add ${ipv6}/128 dev ${veth} src ${c.gateway6}`
    ].join('\n') + '\n')
  } catch (err) {
    await removeSandbox({ netns, ipv4, ipv6, veth, index })
    throw err
  }
  return { netns, ipv4, ipv6, veth, index }
}

export async function removeSandbox (s: Sandbox): Promise<void> {
  await runCmd('ip', ['netns', 'del', s.netns]).catch(() => undefined)
  // The veth goes with the namespace once its last process is gone; make sure before its name is reused.
  await runCmd('ip', ['link', 'del', s.veth]).catch(() => undefined)
  rmSync(join('/etc/netns', s.netns), { recursive: true, force: true })
}

/**
 * Materialized -> the `ip -batch` scripts that wire the namespaces (pure). Routed design, see
 * testbed.ts: every pod (and the DNS pod, and the internet namespace) is a point-to-point veth
 * whose node end has no IPv4 address and the link-local fe80::1; pods reach everything through
 * the node address (IPv4, ARP-answered by the node because it is a local address there) and
 * fe80::1 (IPv6). The node holds one /32 and one /128 route per pod.
 */
import type { Materialized } from './materialized.js'

export const NODE_LINK_LOCAL = 'fe80::1'
export const INTERNET_LINK_LOCAL = 'fe80::2'

export interface NetnsScript {
  netns: string
  lines: string[]
}

export interface NetworkPlan {
  /** Every namespace to create, node first. */
  namespaces: string[]
  /** Run in order; each is `ip -n <netns> -batch -`. */
  scripts: NetnsScript[]
  /** Per-namespace sysctls (`sysctl -w` arguments). */
  sysctls: Array<{ netns: string, settings: string[] }>
}

function routedEnd (netns: string, hostVeth: string, nodeNs: string, addrs: string[], m: Materialized, src4: string | undefined): NetnsScript {
  const p = m.plan
  const src = src4 !== undefined ? ` src ${src4}` : ''
  return {
    netns,
    lines: [
      'link set lo up',
      `link add eth0 type veth peer name ${hostVeth} netns ${nodeNs}`,
      ...addrs,
      'link set eth0 up',
      `route add ${m.node.ipv4}/32 dev eth0 scope link`,
      ...[p.podCidr4, p.serviceCidr4, p.internetCidr4].map((c) => `route add ${c} via ${m.node.ipv4} dev eth0${src}`),
      ...[p.podCidr6, p.serviceCidr6, p.internetCidr6].map((c) => `route add ${c} via ${NODE_LINK_LOCAL} dev eth0`)
    ]
  }
}

export function networkPlan (m: Materialized): NetworkPlan {
  const nodeNs = m.node.netns
  const p = m.plan
  const podNs = m.pods.filter((pod) => !pod.hostNetwork)
  const namespaces = [nodeNs, ...podNs.map((pod) => pod.netns), m.internet.netns]

  const node: NetnsScript = {
    netns: nodeNs,
    lines: [
      'link set lo up',
      `addr add ${m.node.ipv4}/32 dev lo`,
      `addr add ${m.node.ipv6}/128 dev lo nodad`,
      // Route lookup for a ClusterIP from the node itself must succeed before output DNAT rewrites it.
      `route add ${p.serviceCidr4} dev lo`,
      `route add ${p.serviceCidr6} dev lo`
    ]
  }
  const ends: NetnsScript[] = []
  for (const pod of podNs) {
    const veth = pod.hostVeth ?? ''
    ends.push(routedEnd(pod.netns, veth, nodeNs, [`addr add ${pod.ipv4}/32 dev eth0`, `addr add ${pod.ipv6}/128 dev eth0 nodad`], m, pod.ipv4))
    node.lines.push(
      `link set ${veth} up`,
      `addr add ${NODE_LINK_LOCAL}/64 dev ${veth} nodad`,
      `route add ${pod.ipv4}/32 dev ${veth}`,
      `route add ${pod.ipv6}/128 dev ${veth}`
    )
  }
  const inet = m.internet
  ends.push(routedEnd(inet.netns, inet.hostVeth, nodeNs, [
    `addr add ${INTERNET_LINK_LOCAL}/64 dev eth0 nodad`,
    ...m.externals.flatMap((e) => [`addr add ${e.ipv4}/32 dev lo`, `addr add ${e.ipv6}/128 dev lo nodad`])
  ], m, undefined))
  node.lines.push(
    `link set ${inet.hostVeth} up`,
    `addr add ${NODE_LINK_LOCAL}/64 dev ${inet.hostVeth} nodad`,
    `route add ${p.internetCidr4} dev ${inet.hostVeth}`,
    `route add ${p.internetCidr6} via ${INTERNET_LINK_LOCAL} dev ${inet.hostVeth}`
  )

  return {
    namespaces,
    // Pod ends first: they create the veths whose node ends the node script configures.
    scripts: [...ends, node],
    sysctls: [
      { netns: nodeNs, settings: ['net.ipv4.ip_forward=1', 'net.ipv6.conf.all.forwarding=1', 'net.ipv4.conf.all.rp_filter=0', 'net.ipv4.conf.default.rp_filter=0'] }
    ]
  }
}

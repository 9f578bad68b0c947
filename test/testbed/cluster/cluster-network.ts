/**
 * ClusterPlan -> the `ip -batch` scripts that wire the namespaces a multi-node cluster runs in
 * (pure). Nodes and the internet namespace sit on one LAN (a bridge in <p>-lan); the root
 * namespace joins it through an uplink with the control-plane host's address only (a connected
 * /24: the root namespace has no route into pods or services). Each node routes the other nodes'
 * podCIDRs to them (like host-gw routing) and the external ranges to the internet namespace; its
 * pods' veths are wired by the node agent (node-agent/sandbox.ts).
 */
import type { ExternalAddress } from './externals.js'
import type { ClusterPlan } from './cluster-plan.js'

export interface NetnsScript { netns: string, lines: string[] }

export interface ClusterNetwork {
  /** Every namespace to create, the LAN first. */
  namespaces: string[]
  /** In order: the LAN's bridge, then the nodes and the internet namespace (their veths' LAN ends land in <p>-lan). */
  scripts: NetnsScript[]
  /** Then in the root namespace (`ip -batch -`): the uplink. */
  rootLines: string[]
  /** Last: every LAN end joins the bridge. */
  attach: NetnsScript
  uplinkDevice: string
  sysctls: Array<{ netns: string, settings: string[] }>
}

export function clusterNetwork (c: ClusterPlan, externals: ExternalAddress[]): ClusterNetwork {
  const p = c.plan
  const scripts: NetnsScript[] = [{ netns: c.lanNetns, lines: ['link set lo up', 'link add br0 type bridge', 'link set br0 up'] }]
  const members: NetnsScript = { netns: c.lanNetns, lines: [] }
  const attach = (veth: string): void => { members.lines.push(`link set ${veth} master br0`, `link set ${veth} up`) }
  for (const n of c.nodes) {
    const others = c.nodes.filter((o) => o.index !== n.index)
    scripts.push({
      netns: n.netns,
      lines: [
        'link set lo up',
        `link add eth0 type veth peer name ${n.lanVeth} netns ${c.lanNetns}`,
        `addr add ${n.ipv4}/24 dev eth0`,
        `addr add ${n.ipv6}/64 dev eth0 nodad`,
        `addr add ${n.mgmtIPv4}/24 dev eth0`,
        'link set eth0 up',
        `route add ${c.hostIPv4}/32 dev eth0 src ${n.mgmtIPv4}`,
        // The node's own address on the pod network (podCIDR .1), held on lo like a bridge's address.
        `addr add ${n.gateway4}/32 dev lo`,
        `addr add ${n.gateway6}/128 dev lo nodad`,
        // Route lookup for a ClusterIP from the node itself must succeed before output DNAT rewrites it.
        `route add ${p.serviceCidr4} dev lo`,
        `route add ${p.serviceCidr6} dev lo`,
        ...others.flatMap((o) => [`route add ${o.podCidr4} via ${o.ipv4} dev eth0`, `route add ${o.podCidr6} via ${o.ipv6} dev eth0`]),
        `route add ${p.internetCidr4} via ${c.internetIPv4} dev eth0`,
        `route add ${p.internetCidr6} via ${c.internetIPv6} dev eth0`
      ]
    })
    attach(n.lanVeth)
  }
  const inetVeth = `${c.prefix}inet`
  scripts.push({
    netns: c.internetNetns,
    lines: [
      'link set lo up',
      `link add eth0 type veth peer name ${inetVeth} netns ${c.lanNetns}`,
      `addr add ${c.internetIPv4}/24 dev eth0`,
      `addr add ${c.internetIPv6}/64 dev eth0 nodad`,
      'link set eth0 up',
      ...externals.flatMap((e) => [`addr add ${e.ipv4}/32 dev lo`, `addr add ${e.ipv6}/128 dev lo nodad`]),
      ...c.nodes.flatMap((n) => [`route add ${n.podCidr4} via ${n.ipv4} dev eth0`, `route add ${n.podCidr6} via ${n.ipv6} dev eth0`])
    ]
  })
  attach(inetVeth)
  const uplinkDevice = `${c.prefix}up`
  const uplinkPeer = `${c.prefix}upl`
  attach(uplinkPeer)
  return {
    namespaces: [c.lanNetns, ...c.nodes.map((n) => n.netns), c.internetNetns],
    scripts,
    attach: members,
    rootLines: [
      `link add ${uplinkDevice} type veth peer name ${uplinkPeer} netns ${c.lanNetns}`,
      `addr add ${c.hostIPv4}/24 dev ${uplinkDevice}`,
      `link set ${uplinkDevice} up`
    ],
    uplinkDevice,
    sysctls: c.nodes.map((n) => ({
      netns: n.netns,
      settings: ['net.ipv4.ip_forward=1', 'net.ipv6.conf.all.forwarding=1', 'net.ipv4.conf.all.rp_filter=0', 'net.ipv4.conf.default.rp_filter=0']
    }))
  }
}

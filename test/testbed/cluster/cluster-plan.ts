/**
 * Addresses of a multi-node cluster in one slot's ranges (address-plan.ts), pure:
 *
 *   node LAN             10.(200+s).0.0/24 and fd70:6f64:<s>:2::/64, a bridge in <p>-lan
 *     .1                 the control-plane host: the root namespace's end of the uplink, where
 *                        the API server's relay and the mapper listen
 *     .3                 the internet namespace (external hosts and their DNS server)
 *     .11, .12, ...      node i's InternalIP
 *     .111, .112, ...    node i's management address (cluster-plan.ts NodePlan.mgmtIPv4)
 *   node i podCIDR       10.(200+s).(1+i).0/24 and fd70:6f64:<s>::<1+i>:0:0/96; the first address
 *                        (.1) is the node's own address on the pod network, as with kubenet or the
 *                        bridge plugin: kubelet probes and the node's calls to its pods come from it
 *   services             the slot's service ranges; kube-dns at .0.10
 */
import { canonicalIPv6, type AddressPlan } from '../address-plan.js'

export const MAX_NODES = 8
export const MAX_PODS_PER_NODE = 250

export interface NodePlan {
  index: number
  name: string
  netns: string
  ipv4: string
  ipv6: string
  podCidr4: string
  podCidr6: string
  gateway4: string
  gateway6: string
  /** Pod address k (0-based) of this node's podCIDR, both families. */
  podIPv4: (k: number) => string
  podIPv6: (k: number) => string
  /** The LAN end of the node's uplink veth (in <p>-lan). */
  lanVeth: string
  /**
   * A second LAN address that is not the Node's (10.(200+s).0.(111+i)): the node's traffic to the
   * control-plane host leaves from it, and tests reach the node's sniffer on it, so test plumbing
   * (reports to the mapper, metrics scrapes) involves no address the map would resolve.
   */
  mgmtIPv4: string
}

export interface ClusterPlan {
  prefix: string
  slot: number
  plan: AddressPlan
  lanNetns: string
  internetNetns: string
  lanCidr4: string
  lanCidr6: string
  hostIPv4: string
  internetIPv4: string
  internetIPv6: string
  clusterCidr4: string
  clusterCidr6: string
  nodes: NodePlan[]
}

export function clusterPlan (prefix: string, plan: AddressPlan, nodeNames: string[]): ClusterPlan {
  if (nodeNames.length < 1 || nodeNames.length > MAX_NODES) throw new RangeError(`cluster: 1..${MAX_NODES} nodes, not ${nodeNames.length}`)
  const s = plan.slot
  const p4 = `10.${200 + s}`
  const p6 = `fd70:6f64:${s.toString(16)}`
  const nodes = nodeNames.map((name, i): NodePlan => {
    const v6 = (host: number): string => canonicalIPv6(`${p6}::${(1 + i).toString(16)}:0:${host.toString(16)}`)
    const checkK = (k: number): void => { if (!Number.isInteger(k) || k < 0 || k >= MAX_PODS_PER_NODE) throw new RangeError(`cluster: pod index ${k} outside 0..${MAX_PODS_PER_NODE - 1}`) }
    return {
      index: i,
      name,
      netns: `${prefix}-${name}`,
      ipv4: `${p4}.0.${11 + i}`,
      ipv6: canonicalIPv6(`${p6}:2::${(11 + i).toString(16)}`),
      podCidr4: `${p4}.${1 + i}.0/24`,
      podCidr6: `${canonicalIPv6(`${p6}::${(1 + i).toString(16)}:0:0`)}/96`,
      gateway4: `${p4}.${1 + i}.1`,
      gateway6: v6(1),
      podIPv4: (k) => { checkK(k); return `${p4}.${1 + i}.${2 + k}` },
      podIPv6: (k) => { checkK(k); return v6(2 + k) },
      lanVeth: `${prefix}n${i}`,
      mgmtIPv4: `${p4}.0.${111 + i}`
    }
  })
  return {
    prefix,
    slot: s,
    plan,
    lanNetns: `${prefix}-lan`,
    internetNetns: `${prefix}-internet`,
    lanCidr4: `${p4}.0.0/24`,
    lanCidr6: `${canonicalIPv6(`${p6}:2::`)}/64`,
    hostIPv4: `${p4}.0.1`,
    internetIPv4: `${p4}.0.3`,
    internetIPv6: canonicalIPv6(`${p6}:2::3`),
    clusterCidr4: plan.podCidr4,
    clusterCidr6: plan.podCidr6,
    nodes
  }
}

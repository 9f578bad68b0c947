/**
 * Materialized -> an nftables ruleset for the node namespace that does what kube-proxy does for
 * ClusterIP services: DNAT ClusterIP:port to one endpoint IP:targetPort (random choice among
 * endpoints), for IPv4 and IPv6, TCP and UDP, from pods (prerouting) and from the node itself
 * (output); plus SNAT to the node address for hairpin traffic (a pod reaching itself through its
 * own service), which the pod would otherwise drop as a martian. Pure.
 */
import type { Materialized } from './materialized.js'

export const NFT_TABLE = 'podmap_testbed'

function bracket (ip: string, v6: boolean, port: number): string {
  return v6 ? `[${ip}]:${port}` : `${ip}:${port}`
}

export function nftRuleset (m: Materialized): string {
  const svc: string[] = []
  const hairpin: string[] = []
  for (const s of m.services) {
    if (s.headless || s.endpoints.length === 0) continue
    s.ports.forEach((sp, i) => {
      for (const v6 of [false, true]) {
        const fam = v6 ? 'ip6' : 'ip'
        const vip = v6 ? s.clusterIPv6 : s.clusterIPv4
        if (vip === undefined) continue
        const proto = sp.protocol.toLowerCase()
        const targets = s.endpoints.map((e) => ({ ip: v6 ? e.ipv6 : e.ipv4, port: e.ports[i]?.port ?? sp.port }))
        const match = `${fam} daddr ${vip} ${proto} dport ${sp.port}`
        const only = targets[0]
        if (targets.length === 1 && only !== undefined) {
          svc.push(`    ${match} dnat ${fam} to ${bracket(only.ip, v6, only.port)}`)
        } else {
          const map = targets.map((t, n) => `${n} : ${t.ip} . ${t.port}`).join(', ')
          svc.push(`    ${match} dnat ${fam} to numgen random mod ${targets.length} map { ${map} }`)
        }
      }
    })
  }
  const seen = new Set<string>()
  for (const s of m.services) {
    if (s.headless) continue
    for (const e of s.endpoints) {
      if (seen.has(e.podKey)) continue
      seen.add(e.podKey)
      hairpin.push(`    ct status dnat ip saddr ${e.ipv4} ip daddr ${e.ipv4} snat ip to ${m.node.ipv4}`)
      hairpin.push(`    ct status dnat ip6 saddr ${e.ipv6} ip6 daddr ${e.ipv6} snat ip6 to ${m.node.ipv6}`)
    }
  }
  return [
    `table inet ${NFT_TABLE} {`,
    '  chain services {',
    ...svc,
    '  }',
    '  chain prerouting {',
    '    type nat hook prerouting priority dstnat; policy accept;',
    '    jump services',
    '  }',
    '  chain output {',
    '    type nat hook output priority -100; policy accept;',
    '    jump services',
    '  }',
    '  chain postrouting {',
    '    type nat hook postrouting priority srcnat; policy accept;',
    ...hairpin,
    '  }',
    '}',
    ''
  ].join('\n')
}

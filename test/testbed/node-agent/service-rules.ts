/**
 * What kube-proxy (nftables mode) does for ClusterIP Services, rendered for one node (pure): DNAT
 * ClusterIP:port to one ready endpoint's IP:targetPort (random choice among them), per family,
 * TCP and UDP, from pods (prerouting) and from the node itself (output); SNAT for hairpin traffic
 * (a pod reaching itself through its Service) to the node's pod-network address; and masquerade
 * for pods' traffic to the control-plane host, which has no route back to pods. The whole table
 * is replaced in one transaction on every change.
 */
export const PROXY_TABLE = 'podmap_proxy'

export interface ServiceView {
  clusterIPs: string[]
  ports: Array<{ name: string, port: number, protocol: string }>
}

export interface EndpointView {
  ip: string
  /** Port by service port name ('' for an unnamed port) and protocol. */
  ports: Map<string, number>
}

export interface ProxyInput {
  services: Array<{ service: ServiceView, endpoints: EndpointView[] }>
  gateway4: string
  gateway6: string
  nodeIPv4: string
  masqueradeTo4: string[]
}

const isV6 = (ip: string): boolean => ip.includes(':')

export function proxyRuleset (input: ProxyInput): string {
  const rules: string[] = []
  const hairpin = new Set<string>()
  for (const { service, endpoints } of input.services) {
    for (const vip of service.clusterIPs) {
      const v6 = isV6(vip)
      const fam = v6 ? 'ip6' : 'ip'
      const eps = endpoints.filter((e) => isV6(e.ip) === v6)
      if (eps.length === 0) continue
      for (const sp of service.ports) {
        const proto = sp.protocol.toLowerCase()
        const key = `${sp.name}/${sp.protocol}`
        const targets = eps.flatMap((e) => { const port = e.ports.get(key); return port === undefined ? [] : [{ ip: e.ip, port }] })
        if (targets.length === 0) continue
        const map = targets.map((t, n) => `${n} : ${t.ip} . ${t.port}`).join(', ')
        rules.push(`    ${fam} daddr ${vip} ${proto} dport ${sp.port} dnat ${fam} to numgen random mod ${targets.length} map { ${map} }`)
        for (const t of targets) hairpin.add(t.ip)
      }
    }
  }
  const snat = [...hairpin].map((ip) => isV6(ip)
    ? `    ct status dnat ip6 saddr ${ip} ip6 daddr ${ip} snat ip6 to ${input.gateway6}`
    : `    ct status dnat ip saddr ${ip} ip daddr ${ip} snat ip to ${input.gateway4}`)
  const masq = input.masqueradeTo4.map((ip) => `    ip daddr ${ip} oifname "eth0" ip saddr != ${input.nodeIPv4} masquerade`)
  return [
    `table inet ${PROXY_TABLE} {}`,
    `delete table inet ${PROXY_TABLE}`,
    `table inet ${PROXY_TABLE} {`,
    '  chain services {',
    ...rules,
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
    ...snat,
    ...masq,
    '  }',
    '}',
    ''
  ].join('\n')
}

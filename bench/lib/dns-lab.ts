/**
 * The namespaces bench:dns sends its DNS traffic through; the sniffer and tcpdump capture on `any`
 * in `node`.
 *
 * simple (the first bench's path): gen --veth-- node; node does not forward, so every response
 * crosses one interface of node and ends there.
 *
 * realistic (a node's pod network, bridge CNI as cni0 builds it): dns --veth-- [bridge in node]
 * --veth-- client. The resolver pod `dns` answers 16 client addresses in the pod `client` (one per
 * pod of a node); every response crosses two veths of node (on `any`: once incoming on the
 * resolver's veth, packet type OTHERHOST, once outgoing on the client's, packet type OUTGOING).
 * The client drops the UDP responses before any socket (no ICMP port-unreachable storm) and reads
 * the TCP ones with dns-gen's sink. Addresses are the bench's own, routed nowhere else.
 */
import { createLab, type Lab } from '../../test/sniffer/capture/netns.js'

export interface DnsLab {
  lab: Lab
  nodeNs: string
  simple: { src: string, dst: string }
  realistic: { src: string, dst: string, clients: number }
  /** Fills the bridge's forwarding table and the neighbour caches again (before each run). */
  warmPaths: () => void
}

export const CLIENTS = 16

export function createDnsLab (): DnsLab {
  const lab = createLab('bd')
  try {
    lab.addNamespace('gen')
    const nodeNs = lab.addNamespace('node')
    lab.addNamespace('dns')
    lab.addNamespace('client')
    const tag = process.pid.toString(36)
    lab.link({ ns: 'gen', ifname: `bg${tag}`, addrs: ['10.253.77.1/30'] }, { ns: 'node', ifname: `bn${tag}`, addrs: ['10.253.77.2/30'] })
    lab.exec('gen', ['ip', 'route', 'add', '10.253.78.0/24', 'via', '10.253.77.2'])
    lab.exec('node', ['sysctl', '-q', '-w', 'net.ipv4.ip_forward=0'])

    const bridge = `bb${tag}`
    lab.exec('node', ['ip', 'link', 'add', bridge, 'type', 'bridge'])
    lab.exec('node', ['ip', 'addr', 'add', '10.253.80.1/24', 'dev', bridge])
    lab.exec('node', ['ip', 'link', 'set', bridge, 'up'])
    lab.link({ ns: 'dns', ifname: 'eth0', addrs: ['10.253.80.2/24'] }, { ns: 'node', ifname: `bd${tag}`, addrs: [] })
    lab.link({ ns: 'client', ifname: 'eth0', addrs: Array.from({ length: CLIENTS }, (_, i) => `10.253.80.${10 + i}/24`) }, { ns: 'node', ifname: `bc${tag}`, addrs: [] })
    for (const port of [`bd${tag}`, `bc${tag}`]) lab.exec('node', ['ip', 'link', 'set', port, 'master', bridge])
    lab.exec('client', ['nft', 'add', 'table', 'inet', 'sink'])
    lab.exec('client', ['nft', 'add', 'chain', 'inet', 'sink', 'pre', '{ type filter hook prerouting priority -300; }'])
    lab.exec('client', ['nft', 'add', 'rule', 'inet', 'sink', 'pre', 'udp', 'sport', '53', 'drop'])
    const warmPaths = (): void => {
      lab.ping('gen', '10.253.77.2')
      lab.ping('client', '10.253.80.2')
      for (let i = 0; i < CLIENTS; i++) lab.exec('dns', ['ping', '-n', '-q', '-c', '1', '-W', '2', `10.253.80.${10 + i}`])
    }
    warmPaths()
    return {
      lab,
      nodeNs,
      simple: { src: '10.253.77.1', dst: '10.253.78.9' },
      realistic: { src: '10.253.80.2', dst: '10.253.80.10', clients: CLIENTS },
      warmPaths
    }
  } catch (err) {
    lab.destroy()
    throw err
  }
}

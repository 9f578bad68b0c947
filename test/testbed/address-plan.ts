/**
 * Address ranges of one testbed, chosen from its slot (0..MAX_SLOTS-1) so that testbeds running at
 * the same time never share an address: the sniffer reads /proc of every namespace on the machine.
 *
 *   pods + node + DNS pod   IPv4 10.(200+slot).0.0/16      IPv6 fd70:6f64:<slot>::/64
 *   service ClusterIPs      IPv4 10.(216+slot).0.0/16      IPv6 fd70:6f64:<slot>:1::/112
 *   internet (externals)    IPv4 198.51.100.(16*slot)/28   IPv6 2001:db8:<slot>::/64
 */
export const MAX_SLOTS = 16
export const MAX_EXTERNALS = 14

export interface AddressPlan {
  slot: number
  podCidr4: string
  podCidr6: string
  serviceCidr4: string
  serviceCidr6: string
  internetCidr4: string
  internetCidr6: string
  nodeIPv4: string
  nodeIPv6: string
  kubeDnsIPv4: string
  kubeDnsIPv6: string
  podIPv4: (index: number) => string
  podIPv6: (index: number) => string
  serviceIPv4: (index: number) => string
  serviceIPv6: (index: number) => string
  externalIPv4: (index: number) => string
  externalIPv6: (index: number) => string
}

const MAX_INDEX = 200 * 250

/** RFC 5952 text form (what `ip`, Node and Kubernetes print), via the WHATWG URL serializer. */
export function canonicalIPv6 (ip: string): string {
  return new URL(`http://[${ip}]/`).hostname.slice(1, -1)
}

function cidr6 (prefix: string, len: number): string {
  return `${canonicalIPv6(prefix)}/${len}`
}

function checkIndex (index: number, max: number, what: string): void {
  if (!Number.isInteger(index) || index < 0 || index >= max) {
    throw new RangeError(`testbed: ${what} index ${index} outside 0..${max - 1}`)
  }
}

export function addressPlan (slot: number): AddressPlan {
  checkIndex(slot, MAX_SLOTS, 'slot')
  const p4 = `10.${200 + slot}`
  const s4 = `10.${216 + slot}`
  const p6 = `fd70:6f64:${slot.toString(16)}:`
  const s6 = `fd70:6f64:${slot.toString(16)}:1:`
  const e6 = `2001:db8:${slot.toString(16)}:`
  // Index i -> x.y.(1 + i/250).(2 + i%250): skips .0/.1/.255 so no address looks special.
  const hostPart = (i: number): string => `${1 + Math.floor(i / 250)}.${2 + (i % 250)}`
  return {
    slot,
    podCidr4: `${p4}.0.0/16`,
    podCidr6: cidr6(`${p6}:`, 64),
    serviceCidr4: `${s4}.0.0/16`,
    serviceCidr6: cidr6(`${s6}:`, 112),
    internetCidr4: `198.51.100.${16 * slot}/28`,
    internetCidr6: cidr6(`${e6}:`, 64),
    nodeIPv4: `${p4}.0.1`,
    nodeIPv6: canonicalIPv6(`${p6}:1`),
    kubeDnsIPv4: `${s4}.0.10`,
    kubeDnsIPv6: canonicalIPv6(`${s6}:a`),
    podIPv4: (i) => { checkIndex(i, MAX_INDEX, 'pod'); return `${p4}.${hostPart(i)}` },
    podIPv6: (i) => { checkIndex(i, MAX_INDEX, 'pod'); return canonicalIPv6(`${p6}:${(0x100 + i).toString(16)}`) },
    serviceIPv4: (i) => { checkIndex(i, MAX_INDEX, 'service'); return `${s4}.${hostPart(i)}` },
    serviceIPv6: (i) => { checkIndex(i, 0xff00, 'service'); return canonicalIPv6(`${s6}:${(0x100 + i).toString(16)}`) },
    externalIPv4: (i) => { checkIndex(i, MAX_EXTERNALS, 'external'); return `198.51.100.${16 * slot + 1 + i}` },
    externalIPv6: (i) => { checkIndex(i, MAX_EXTERNALS, 'external'); return canonicalIPv6(`${e6}:${(1 + i).toString(16)}`) }
  }
}

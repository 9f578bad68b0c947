/**
 * The classic BPF program the kernel runs for a process's packet socket, as `ss --packet --bpf`
 * shows it. A filter libpcap could not hand to the kernel runs in user space instead, after every
 * packet was copied into the ring: this tells the two apart.
 */
import type { Lab } from '../../test/sniffer/capture/netns.js'

/** Instructions of the filter on `pid`'s packet socket in the lab namespace `ns`, or null if none. */
export function kernelFilterLength (lab: Lab, pid: number, ns = 'node'): number | null {
  const out = lab.exec(ns, ['ss', '--packet', '--bpf', '--processes'])
  const lines = out.split('\n')
  for (let i = 0; i < lines.length; i++) {
    if (!lines[i]!.includes(`pid=${pid},`)) continue
    const m = /bpf filter \((\d+)\)/.exec(lines[i + 1] ?? '')
    return m?.[1] === undefined ? null : Number(m[1])
  }
  return null
}

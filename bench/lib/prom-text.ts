/** Sums of Prometheus text-format samples by metric name (labels summed), for bench scrapes. */
export function parsePromText (text: string): Map<string, number> {
  const sums = new Map<string, number>()
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue
    const space = line.lastIndexOf(' ')
    const brace = line.indexOf('{')
    const name = brace >= 0 && brace < space ? line.slice(0, brace) : line.slice(0, space)
    const value = Number(line.slice(space + 1))
    if (!Number.isFinite(value)) continue
    sums.set(name, (sums.get(name) ?? 0) + value)
  }
  return sums
}

/** One labelled sample, e.g. sample(text, 'podmap_sniffer_decode_errors_total', 'reason="x"'). */
export function sampleWithLabel (text: string, name: string, label: string): number {
  let total = 0
  for (const line of text.split('\n')) {
    if (line.startsWith(name + '{') && line.includes(label)) total += Number(line.slice(line.lastIndexOf(' ') + 1)) || 0
  }
  return total
}

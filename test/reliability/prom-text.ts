/** Reads one value out of Prometheus text exposition: the sum over every series of `name` matching `labels`. */
export function metricValue (text: string, name: string, labels: Record<string, string> = {}): number {
  let sum = 0
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue
    const rest = line.slice(name.length)
    if (rest[0] !== ' ' && rest[0] !== '{') continue
    if (!Object.entries(labels).every(([k, v]) => rest.includes(`${k}="${v}"`))) continue
    const value = Number(line.slice(line.lastIndexOf(' ') + 1))
    if (Number.isFinite(value)) sum += value
  }
  return sum
}

export async function scrape (url: string): Promise<string> {
  const res = await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(3000) })
  return res.text()
}

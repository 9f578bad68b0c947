const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }

/** Parses `500ms`, `5s`, `1m`, `24h`, `30d` (or a compound like `1h30m`) into milliseconds; undefined if malformed. */
export function parseDuration (text: string): number | undefined {
  const s = text.trim()
  if (s === '') return undefined
  let total = 0
  let rest = s
  while (rest.length > 0) {
    const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)/.exec(rest)
    if (!m) return undefined
    total += Number(m[1]) * (UNITS[m[2] as string] as number)
    rest = rest.slice(m[0].length)
  }
  const ms = Math.round(total)
  // Past 2^53 ms (about 285,000 years) a duration is not a number of milliseconds any clock can use.
  return Number.isSafeInteger(ms) ? ms : undefined
}

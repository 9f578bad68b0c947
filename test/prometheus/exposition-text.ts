/**
 * Reads samples out of the Prometheus text exposition format, escapes included (`\\`, `\"`, `\n` in
 * label values), for asserting on what a /metrics body says. Throws on a line it cannot read.
 */
export interface ParsedSample { name: string, labels: Record<string, string>, value: number }

const UNESCAPE: Record<string, string> = { '\\': '\\', '"': '"', n: '\n' }

export function parseSamples (text: string, only?: string): ParsedSample[] {
  const out: ParsedSample[] = []
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue
    const name = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(line)?.[0]
    if (name === undefined) throw new Error(`not a sample line: ${line}`)
    let i = name.length
    const labels: Record<string, string> = {}
    if (line[i] === '{') {
      i++
      while (line[i] !== '}') {
        const m = /^([a-zA-Z_][a-zA-Z0-9_]*)="/.exec(line.slice(i))
        if (!m?.[1]) throw new Error(`bad label at ${i}: ${line}`)
        i += m[0].length
        let v = ''
        while (line[i] !== '"') {
          if (i >= line.length) throw new Error(`unterminated label value: ${line}`)
          if (line[i] === '\\') {
            const e = UNESCAPE[line[i + 1] ?? '']
            if (e === undefined) throw new Error(`bad escape at ${i}: ${line}`)
            v += e
            i += 2
          } else { v += line[i]; i++ }
        }
        labels[m[1]] = v
        i++
        if (line[i] === ',') i++
      }
      i++
    }
    const value = Number(line.slice(i).trim().split(' ')[0])
    if (only === undefined || name === only) out.push({ name, labels, value })
  }
  return out
}

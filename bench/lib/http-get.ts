/** Timed HTTP GETs for the mapper benches: one request's time and size, and percentiles. */
import { request } from 'node:http'

export function get (url: string): Promise<{ ms: number, bytes: number, status: number }> {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint()
    request(url, (res) => {
      let bytes = 0
      res.on('data', (c: Buffer) => { bytes += c.length })
      res.on('end', () => resolve({ ms: Number(process.hrtime.bigint() - t0) / 1e6, bytes, status: res.statusCode ?? 0 }))
    }).on('error', reject).end()
  })
}

/** The p-th percentile of `xs`, to 0.1. */
export const pct = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b)
  return Number((s[Math.min(s.length - 1, Math.floor(p / 100 * s.length))] ?? NaN).toFixed(1))
}

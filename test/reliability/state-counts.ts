/**
 * Reads a mapper's state directory (checkpoint + write-ahead log) the way the mapper does, on a
 * copy, so a running mapper is not disturbed: per edge, the total count and the count per facet
 * ("tcp|80/TCP", "dns|-"). The read API does not expose counts; the durable state does.
 */
import { cpSync, mkdtempSync, rmSync } from 'node:fs'
import pino from 'pino'
import { EmbeddedStore } from '../../mapper/store/embedded-store.js'
import { parseFacet } from '../../mapper/store/call.js'
import type { Logger } from '../../src/log/logger.js'

export interface EdgeCounts { total: number, facets: Record<string, number> }

export const edgeName = (e: { client: { name: string }, server: { name: string } }): string => `${e.client.name}>${e.server.name}`

export async function readStateCounts (stateDir: string): Promise<Map<string, EdgeCounts>> {
  const copy = mkdtempSync('/tmp/podmap-state-copy-')
  try {
    cpSync(stateDir, copy, { recursive: true })
    const map = new EmbeddedStore({ stateDir: copy, log: pino({ level: 'silent' }) as unknown as Logger })
    await map.open()
    const out = new Map<string, EdgeCounts>()
    for (const e of map.edges.records()) {
      const facets: Record<string, number> = {}
      e.history.facets.forEach((facet, c) => {
        const f = parseFacet(facet)
        const k = `${f.evidence}|${f.port ? `${f.port.port}/${f.port.protocol}` : '-'}`
        facets[k] = (facets[k] ?? 0) + (e.history.totals[c] as number)
      })
      out.set(edgeName(e), { total: e.count, facets })
    }
    await map.close()
    return out
  } finally {
    rmSync(copy, { recursive: true, force: true })
  }
}

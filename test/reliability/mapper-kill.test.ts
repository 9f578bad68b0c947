/**
 * Faults, durable state: the mapper (with --state-dir) is SIGKILLed while simulated sniffers report.
 * Right after the restart the map holds every record that was acknowledged before the kill; the
 * sniffers keep every unacknowledged report and retry it, so at the end every report is in the map.
 * Each report carries one unique external call, so "in the map" is checked record by record.
 * Run twice: with the default checkpoint size (the kills land between checkpoints), and with
 * --checkpoint-bytes 4096 (a checkpoint every dozen reports, so kills land while checkpoints run:
 * the new log taking over, the checkpoint being written, the old logs being removed).
 */
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { startShopCluster, type ShopAddresses, type ShopCluster } from './shop-cluster.js'
import { extName, uniqueReport } from './unique-reports.js'
import { mapResponseSchema } from '../../src/contract/map.js'
import { startMapperProcess, type MapperProcess } from './mapper-process.js'
import { SOAK, fmt, recordFigure } from './figures.js'

const SNIFFERS = 5
const REPORTS_PER_SNIFFER = SOAK ? 400 : 80
const KILLS = SOAK ? 5 : 2

let shop: ShopCluster
let IP: ShopAddresses
let mapper: MapperProcess | undefined

before(async () => {
  shop = await startShopCluster()
  IP = shop.ip
})

after(async () => {
  await mapper?.cleanup()
  await shop?.stop()
})

async function checkpointsSinceStart (m: MapperProcess): Promise<number> {
  const text = await (await fetch(`${m.url}/metrics`, { signal: AbortSignal.timeout(5000) })).text()
  return Number(/^podmap_mapper_checkpoints_total (\S+)$/m.exec(text)?.[1] ?? NaN)
}

async function mapNames (m: MapperProcess): Promise<Set<string>> {
  const res = await fetch(`${m.url}/api/v1/map`, { signal: AbortSignal.timeout(5000) })
  const map = mapResponseSchema.parse(await res.json())
  return new Set(map.edges.filter((e) => e.server.kind === 'External').map((e) => e.server.name))
}

for (const checkpointBytes of [undefined, 4096]) {
  const during = checkpointBytes === undefined ? '' : ` during checkpoints (--checkpoint-bytes ${checkpointBytes})`
  test(`mapper SIGKILLed ${KILLS} times while ${SNIFFERS} sniffers report${during}: every acknowledged record survives, retries deliver the rest`, async () => {
    await mapper?.cleanup()
    const m = await startMapperProcess(shop, ['--log-level', 'warn', '--state-dir', '{dir}/state', ...(checkpointBytes === undefined ? [] : ['--checkpoint-bytes', String(checkpointBytes)])])
    mapper = m
    let checkpoints = 0
    const acked = new Set<string>()
    let sent = 0
    let failed = 0
    let killing = false
    const sniffer = async (s: number): Promise<void> => {
      for (let i = 0; i < REPORTS_PER_SNIFFER; i++) {
        const body = JSON.stringify(uniqueReport(s, i, { client: IP.checkout, node: IP.nodeName }))
        for (let attempt = 0; ; attempt++) {
          assert.ok(attempt < 600, `report ${s}/${i} delivered within 600 attempts`)
          sent++
          try {
            const res = await fetch(`${m.url}/api/v1/reports`, { method: 'POST', headers: { authorization: `Bearer ${m.token}`, 'content-type': 'application/json' }, body, signal: AbortSignal.timeout(5000) })
            await res.text()
            if (res.ok) { acked.add(extName(s, i)); break }
            assert.ok(res.status >= 500 || res.status === 429 || res.status === 503, `unexpected ${res.status}`)
          } catch (err) {
            // Connection refused while the mapper is down: keep the report, retry. A failed assertion is not that.
            if ((err as Error).name === 'AssertionError') throw err
          }
          failed++
          await new Promise((resolve) => setTimeout(resolve, killing ? 200 : 50))
        }
      }
    }
    const missingAfterKill: string[] = []
    const killer = async (): Promise<void> => {
      for (let k = 0; k < KILLS; k++) {
        // Let the sniffers get going, then kill mid-stream.
        const target = Math.floor(((k + 1) * SNIFFERS * REPORTS_PER_SNIFFER) / (KILLS + 1))
        const deadline = Date.now() + 60_000
        while (acked.size < target && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10))
        if (checkpointBytes !== undefined) {
          const n = await checkpointsSinceStart(m)
          assert.ok(n > 0, `checkpoints were written before kill ${k + 1} (${n})`)
          checkpoints += n
        }
        killing = true
        await m.stop('SIGKILL')
        const ackedAtKill = new Set(acked)
        await m.restart()
        killing = false
        const present = await mapNames(m)
        for (const n of ackedAtKill) if (!present.has(n)) missingAfterKill.push(n)
      }
    }
    await Promise.all([killer(), ...Array.from({ length: SNIFFERS }, (_, s) => sniffer(s))])
    assert.deepEqual(missingAfterKill, [], 'every record acknowledged before a kill is in the map after the restart')
    const total = SNIFFERS * REPORTS_PER_SNIFFER
    assert.equal(acked.size, total)
    const present = await mapNames(m)
    const lost = [...acked].filter((n) => !present.has(n))
    assert.deepEqual(lost, [])
    assert.ok(failed > 0, 'some sends failed while the mapper was down (the kill was mid-stream)')
    recordFigure({
      area: 'faults',
      test: `mapper SIGKILLed ${KILLS}x while ${SNIFFERS} sniffers report (--state-dir${checkpointBytes === undefined ? '' : `, --checkpoint-bytes ${checkpointBytes}`})`,
      figure: `${fmt(total * 2)} records in ${fmt(total)} reports: ${fmt(sent)} sends, ${fmt(failed)} failed and retried, ${fmt(total)} reports acknowledged, ${fmt(present.size)} stored; ${checkpointBytes === undefined ? '' : `${fmt(checkpoints)} checkpoints written before the kills; `}acknowledged-then-lost 0, dropped 0`,
      faults: KILLS,
      lost: 0,
      file: 'test/reliability/mapper-kill.test.ts'
    })
  })
}

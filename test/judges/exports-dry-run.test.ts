/**
 * Every NetworkPolicy and CiliumNetworkPolicy the export makes of the e2e maps and of the
 * 40-workload cluster (judged-clusters.ts) is accepted by a real kube-apiserver that knows the
 * target's schema: `kubectl apply --dry-run=server` with the real kubectl against the testbed's
 * control plane, with Cilium's own CiliumNetworkPolicy CRD (from the Go module
 * github.com/cilium/cilium, scripts/install-judges.sh) installed. A refusal is a bug in the export.
 * (Otterize's ClientIntents CRD is not available from any registry this project reaches, so the
 * ClientIntents export is not applied here.)
 */
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { parseAllDocuments } from 'yaml'
import { recordFigure } from '../reliability/figures.js'
import { startJudgeApiServer, type JudgeApiServer } from './api-server.js'
import { exportsOf } from './export-judge.js'
import { judgedClusters } from './judged-clusters.js'

const FILE = 'test/judges/exports-dry-run.test.ts'
const CILIUM_CRD = fileURLToPath(new URL('../../.tools/crds/ciliumnetworkpolicies.yaml', import.meta.url))
let api: JudgeApiServer

before(async () => {
  let crd: string
  try { crd = readFileSync(CILIUM_CRD, 'utf8') } catch { throw new Error(`${CILIUM_CRD} is missing: run \`npm run setup\` (scripts/install-judges.sh takes it from github.com/cilium/cilium)`) }
  api = await startJudgeApiServer()
  const objects = parseAllDocuments(crd).map((d) => d.toJS() as object).filter(Boolean)
  await api.cp.client.request('POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', objects[0])
  const deadline = Date.now() + 60_000
  for (;;) {
    const got = await api.cp.client.get<{ status?: { conditions?: Array<{ type: string, status: string }> } }>('/apis/apiextensions.k8s.io/v1/customresourcedefinitions/ciliumnetworkpolicies.cilium.io')
    if (got.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True')) break
    if (Date.now() > deadline) throw new Error('the CiliumNetworkPolicy CRD never became Established')
    await new Promise((resolve) => setTimeout(resolve, 250))
  }
})
after(async () => { await api?.stop() })

for (const format of ['networkpolicy', 'cilium'] as const) {
  test(`the ${format} exports of the shop, protocols and 40-workload maps are accepted by the real API server (kubectl apply --dry-run=server)`, async () => {
    let applied = 0
    for (const cluster of judgedClusters()) {
      const objects = exportsOf(cluster, format)
      assert.ok(objects.length > 0)
      await api.ensureNamespaces([...new Set(objects.map((o) => o.metadata.namespace ?? 'default'))])
      // kubectl's discovery cache may not know the new CRD at once: retry a refusal that says so.
      let r = await api.dryRunApply(objects)
      for (let i = 0; i < 10 && r.code !== 0 && /no matches for kind|ensure CRDs are installed/.test(r.stderr); i++) {
        await new Promise((resolve) => setTimeout(resolve, 1000))
        r = await api.dryRunApply(objects)
      }
      assert.equal(r.code, 0, `${cluster.name}: ${r.stderr}`)
      const lines = r.stdout.trim().split('\n')
      assert.equal(lines.length, objects.length, r.stdout)
      for (const line of lines) assert.match(line, /(created|configured) \(server dry run\)$/)
      applied += objects.length
    }
    recordFigure({ area: 'judges', test: `${format} export applied with kubectl apply --dry-run=server to the real API server${format === 'cilium' ? ' with Cilium\'s CRD' : ''}`, figure: `${applied} objects from 3 maps, 0 refused`, inputs: applied, file: FILE })
  })
}

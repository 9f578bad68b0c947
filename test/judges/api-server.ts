/**
 * The real kube-apiserver (test/testbed/control-plane) as a judge of what a manifest means before
 * any network plugin sees it: `kubectl apply --dry-run=server` with the real kubectl, and
 * server-side dry-run creates that return the object as the API server would store it (validated,
 * defaulted: policyTypes filled in, protocols set). Namespaces are created for real first.
 */
import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { tmpdir } from 'node:os'
import { stringify } from 'yaml'
import { claimRun } from '../testbed/owned-run.js'
import { startControlPlane, type ControlPlane } from '../testbed/control-plane/control-plane.js'
import { KUBECTL } from '../testbed/cluster/cluster-exec.js'
import { KubeHttpError } from '../testbed/control-plane/kube-http.js'
import type { NetworkPolicy } from '../../src/contract/shadow.js'

export interface ApplyResult { code: number, stdout: string, stderr: string }

export interface JudgeApiServer {
  cp: ControlPlane
  ensureNamespaces: (names: string[]) => Promise<void>
  /** `kubectl apply --dry-run=server -f` of the objects (multi-document YAML), with kubectl's own output. */
  dryRunApply: (objects: object[]) => Promise<ApplyResult>
  /** A NetworkPolicy as the API server would store it (server-side dry-run create); throws with the server's reason if refused. */
  stored: (p: NetworkPolicy) => Promise<NetworkPolicy>
  stop: () => Promise<void>
}

export async function startJudgeApiServer (): Promise<JudgeApiServer> {
  const cp = await startControlPlane({ run: claimRun('judges') })
  const known = new Set(['default', 'kube-system', 'kube-public', 'kube-node-lease'])
  const dir = mkdtempSync(join(tmpdir(), 'podmap-judges-apply-'))
  let n = 0
  return {
    cp,
    async ensureNamespaces (names) {
      for (const name of names) {
        if (known.has(name)) continue
        await cp.client.request('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name } }, { allow: [409] })
        known.add(name)
      }
    },
    async dryRunApply (objects) {
      const file = join(dir, `apply-${n++}.yaml`)
      writeFileSync(file, objects.map((o) => stringify(o, { lineWidth: 0 })).join('---\n'))
      return await new Promise((resolve) => {
        execFile(KUBECTL, ['--kubeconfig', cp.adminKubeconfig, 'apply', '--dry-run=server', '-f', file], { maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
          resolve({ code: err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0, stdout, stderr })
        })
      })
    },
    async stored (p) {
      const ns = p.metadata.namespace ?? 'default'
      try {
        const res = await cp.client.request<NetworkPolicy>('POST', `/apis/networking.k8s.io/v1/namespaces/${ns}/networkpolicies?dryRun=All`, { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', ...p })
        const { metadata, spec } = res.body
        return { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: metadata.name, namespace: metadata.namespace ?? ns }, spec }
      } catch (err) {
        if (err instanceof KubeHttpError) throw new Error(`the API server refused ${ns}/${p.metadata.name}: ${err.text.slice(0, 600)}\n${JSON.stringify(p)}`)
        throw err
      }
    },
    async stop () {
      rmSync(dir, { recursive: true, force: true })
      await cp.stop()
    }
  }
}

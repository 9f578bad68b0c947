/**
 * Where scripts/install-control-plane.sh put the control plane: a folder keyed by the versions
 * pinned in scripts/lib-versions.sh. A missing binary is a loud error naming the command to run.
 */
import { accessSync, constants, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

export const CACHE = '/var/cache/podmap-tools'
const VERSIONS = fileURLToPath(new URL('../../../scripts/lib-versions.sh', import.meta.url))

export interface ControlPlaneBinaries {
  etcd: string
  kubeApiserver: string
  kubeControllerManager: string
  kubeScheduler: string
  coredns: string
  k8sVersion: string
}

export function pinnedVersions (): Record<string, string> {
  const out: Record<string, string> = {}
  for (const m of readFileSync(VERSIONS, 'utf8').matchAll(/^([A-Z0-9_]+)=(\S+)/gm)) out[m[1] as string] = m[2] as string
  return out
}

type BinaryName = Exclude<keyof ControlPlaneBinaries, 'k8sVersion'>

/** The binaries' paths; fails loudly when one of `need` (default: all) is missing. */
export function controlPlaneBinaries (need?: BinaryName[]): ControlPlaneBinaries {
  const v = pinnedVersions()
  const dir = join(CACHE, `control-plane-${v.K8S_VERSION}-etcd-${v.ETCD_VERSION}-coredns-${v.COREDNS_VERSION}`, 'bin')
  const bins = {
    etcd: join(dir, 'etcd'),
    kubeApiserver: join(dir, 'kube-apiserver'),
    kubeControllerManager: join(dir, 'kube-controller-manager'),
    kubeScheduler: join(dir, 'kube-scheduler'),
    coredns: join(dir, 'coredns'),
    k8sVersion: v.K8S_VERSION ?? ''
  }
  const missing = Object.entries(bins).filter(([k, p]) => {
    if (k === 'k8sVersion' || (need !== undefined && !need.includes(k as BinaryName))) return false
    try { accessSync(p, constants.X_OK); return false } catch { return true }
  })
  if (missing.length > 0) {
    throw new Error(`control plane not built: ${missing.map(([, p]) => p).join(', ')} missing (run scripts/install-control-plane.sh, part of npm run setup)`)
  }
  return bins
}

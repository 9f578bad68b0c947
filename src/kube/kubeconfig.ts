/**
 * Loading a kubeconfig, for the mapper and the CLI alike, the way kubectl does: `paths` is
 * --kubeconfig or $KUBECONFIG (colon-separated files, merged in order; missing ones skipped);
 * without any, the in-cluster ServiceAccount (the mapper) or ~/.kube/config (the CLI). `context`
 * picks a context. Every failure is one KubeconfigMissing line.
 */
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { KubeConfig } from '@kubernetes/client-node'
import { KubeconfigMissing } from '../errors/catalogue.js'

export interface KubeConfigSource {
  paths?: string
  context?: string
  /** Without `paths`: the in-cluster config, or ~/.kube/config under this home directory. */
  otherwise: 'in-cluster' | { homeDir: string }
  /** Why the kubeconfig is needed, and what else would do, for the error line (e.g. "to find the mapper with", "--mapper-url"). */
  purpose?: string
  alternative?: string
}

export function loadKubeConfig (src: KubeConfigSource): KubeConfig {
  const given = (src.paths ?? '').split(':').filter((p) => p !== '')
  const kc = new KubeConfig()
  if (given.length === 0 && src.otherwise === 'in-cluster') {
    try { kc.loadFromCluster() } catch (err) { throw KubeconfigMissing(`no --kubeconfig and no in-cluster ServiceAccount: ${firstLine((err as Error).message)}`) }
    return kc
  }
  const candidates = given.length > 0 ? given : [join((src.otherwise as { homeDir: string }).homeDir, '.kube', 'config')]
  const files = candidates.filter((p) => existsSync(p))
  const purpose = src.purpose ? ` ${src.purpose}` : ''
  if (files.length === 0) {
    const where = given.length > 0 ? `${given.join(', ')} does not exist` : `no --kubeconfig, no $KUBECONFIG and no ${candidates[0] ?? '~/.kube/config'}`
    throw KubeconfigMissing(`no kubeconfig${purpose} (${where}): pass ${src.alternative ? `${src.alternative}, or ` : ''}--kubeconfig`)
  }
  files.forEach((file, i) => {
    try {
      if (i === 0) { kc.loadFromFile(file); return }
      const more = new KubeConfig()
      more.loadFromFile(file)
      kc.mergeConfig(more, true)
    } catch (err) {
      throw KubeconfigMissing(`cannot load kubeconfig ${file}: ${firstLine((err as Error).message)}`)
    }
  })
  if (src.context !== undefined) {
    if (!kc.getContexts().some((c) => c.name === src.context)) throw KubeconfigMissing(`--context: no context "${src.context}" in ${files.join(', ')}`)
    kc.setCurrentContext(src.context)
  }
  if (!kc.getCurrentCluster()) throw KubeconfigMissing(`the kubeconfig (${files.join(', ')}) has no current context with a cluster: pass --context`)
  return kc
}

function firstLine (text: string): string {
  return text.split('\n')[0] ?? text
}

/**
 * The kube-proxy stand-in: watches Services and EndpointSlices (as system:kube-proxy) and keeps
 * the node's nftables table in step with them (service-rules.ts), debounced.
 */
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { KubeClient, KubeObject } from '../control-plane/kube-http.js'
import type { AgentConfig } from './agent-config.js'
import { startInformer } from './informer.js'
import { runCmd } from './run-cmd.js'
import { proxyRuleset, type EndpointView, type ServiceView } from './service-rules.js'

interface SliceObject extends KubeObject {
  endpoints?: Array<{ addresses: string[], conditions?: { ready?: boolean } }>
  ports?: Array<{ name?: string, port?: number, protocol?: string }>
}

export interface ServiceProxy { synced: Promise<void>, applied: () => number, stop: () => void }

export function startServiceProxy (proxy: KubeClient, c: AgentConfig, log: (m: string) => void): ServiceProxy {
  let timer: NodeJS.Timeout | undefined
  let applied = 0
  let chain = Promise.resolve()
  const file = join(c.dir, 'proxy.nft')
  const render = (): string => {
    const byService = new Map<string, EndpointView[]>()
    for (const slice of slices.store.values() as IterableIterator<SliceObject>) {
      const svc = slice.metadata.labels?.['kubernetes.io/service-name']
      if (svc === undefined) continue
      const key = `${slice.metadata.namespace ?? ''}/${svc}`
      const ports = new Map((slice.ports ?? []).filter((p) => p.port !== undefined).map((p) => [`${p.name ?? ''}/${p.protocol ?? 'TCP'}`, p.port as number]))
      const list = byService.get(key) ?? []
      for (const e of slice.endpoints ?? []) {
        if (e.conditions?.ready === false) continue
        for (const ip of e.addresses) list.push({ ip, ports })
      }
      byService.set(key, list)
    }
    const entries = [...services.store.values()].flatMap((s) => {
      const spec = s.spec as { clusterIPs?: string[], ports?: Array<{ name?: string, port: number, protocol?: string }> }
      const ips = (spec.clusterIPs ?? []).filter((ip) => ip !== 'None')
      if (ips.length === 0) return []
      const service: ServiceView = { clusterIPs: ips, ports: (spec.ports ?? []).map((p) => ({ name: p.name ?? '', port: p.port, protocol: p.protocol ?? 'TCP' })) }
      return [{ service, endpoints: byService.get(`${s.metadata.namespace ?? ''}/${s.metadata.name}`) ?? [] }]
    })
    return proxyRuleset({ services: entries, gateway4: c.gateway4, gateway6: c.gateway6, nodeIPv4: c.ipv4, masqueradeTo4: c.masqueradeTo4 })
  }
  const schedule = (): void => {
    if (timer !== undefined) return
    timer = setTimeout(() => {
      timer = undefined
      chain = chain.then(async () => {
        writeFileSync(file, render())
        await runCmd('nft', ['-f', file])
        applied++
      }).catch((err: Error) => log(`service proxy: ${err.message}`))
    }, 50)
  }
  const services = startInformer(proxy, '/api/v1/services', schedule, log)
  const slices = startInformer(proxy, '/apis/discovery.k8s.io/v1/endpointslices', schedule, log)
  return {
    synced: Promise.all([services.synced, slices.synced]).then(() => { schedule() }),
    applied: () => applied,
    stop: () => { services.stop(); slices.stop(); if (timer !== undefined) clearTimeout(timer) }
  }
}

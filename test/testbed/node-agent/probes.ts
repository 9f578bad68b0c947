/**
 * Readiness probes as the kubelet runs them (tcpSocket and httpGet; exec is not supported and
 * counts as failing), from the node's network namespace: the connection's source is the node's
 * address on the pod network (the podCIDR's first address), as on a bridge-plugin node.
 */
import { connect } from 'node:net'
import { request } from 'node:http'

export interface ProbeSpec {
  tcpSocket?: { port: number | string }
  httpGet?: { path?: string, port: number | string, scheme?: string }
  exec?: unknown
  initialDelaySeconds?: number
  periodSeconds?: number
  timeoutSeconds?: number
  successThreshold?: number
  failureThreshold?: number
}

export type PortNames = Array<{ name?: string, containerPort: number }>

function portOf (port: number | string, ports: PortNames): number | undefined {
  if (typeof port === 'number') return port
  if (/^\d+$/.test(port)) return Number(port)
  return ports.find((p) => p.name === port)?.containerPort
}

export async function probeOnce (spec: ProbeSpec, ip: string, ports: PortNames): Promise<boolean> {
  const timeoutMs = (spec.timeoutSeconds ?? 1) * 1000
  if (spec.tcpSocket !== undefined) {
    const port = portOf(spec.tcpSocket.port, ports)
    if (port === undefined) return false
    return await new Promise((resolve) => {
      const s = connect({ host: ip, port, timeout: timeoutMs }, () => { s.destroy(); resolve(true) })
      s.once('error', () => resolve(false))
      s.once('timeout', () => { s.destroy(); resolve(false) })
    })
  }
  if (spec.httpGet !== undefined) {
    const port = portOf(spec.httpGet.port, ports)
    if (port === undefined) return false
    return await new Promise((resolve) => {
      const req = request({ host: ip, port, path: spec.httpGet?.path ?? '/', timeout: timeoutMs, headers: { 'user-agent': 'kube-probe/1.34' } }, (res) => {
        res.resume()
        const code = res.statusCode ?? 0
        resolve(code >= 200 && code < 400)
      })
      req.once('error', () => resolve(false))
      req.once('timeout', () => { req.destroy(); resolve(false) })
      req.end()
    })
  }
  return false
}

/** Probes every period until stopped; calls back when readiness changes (thresholds applied). */
export function runReadinessProbe (spec: ProbeSpec, ip: string, ports: PortNames, onChange: (ready: boolean) => void): () => void {
  let stopped = false
  let ready = false
  let streak = 0
  let timer: NodeJS.Timeout | undefined
  const tick = async (): Promise<void> => {
    if (stopped) return
    const ok = await probeOnce(spec, ip, ports)
    if (stopped) return
    streak = ok === ready ? 0 : streak + 1
    const needed = ok ? (spec.successThreshold ?? 1) : (spec.failureThreshold ?? 3)
    if (ok !== ready && streak >= needed) {
      ready = ok
      streak = 0
      onChange(ready)
    }
    timer = setTimeout(() => { void tick() }, (spec.periodSeconds ?? 10) * 1000)
  }
  timer = setTimeout(() => { void tick() }, (spec.initialDelaySeconds ?? 0) * 1000)
  return () => { stopped = true; if (timer !== undefined) clearTimeout(timer) }
}

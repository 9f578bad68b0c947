/** The slices of workload objects the chart tests read. */
export interface EnvVar { name: string, value?: string, valueFrom?: { fieldRef?: { fieldPath: string } } }
export interface Probe { httpGet?: { path: string, port: string | number } }
export interface Container {
  name: string
  image: string
  imagePullPolicy: string
  args?: string[]
  env?: EnvVar[]
  ports?: Array<{ name: string, containerPort: number }>
  livenessProbe?: Probe
  readinessProbe?: Probe
  startupProbe?: Probe
  resources?: { requests?: Record<string, string>, limits?: Record<string, string> }
  securityContext?: {
    runAsUser?: number
    runAsNonRoot?: boolean
    privileged?: boolean
    allowPrivilegeEscalation?: boolean
    readOnlyRootFilesystem?: boolean
    capabilities?: { drop?: string[], add?: string[] }
  }
  volumeMounts?: Array<{ name: string, mountPath: string, readOnly?: boolean }>
}
export interface Volume {
  name: string
  hostPath?: { path: string, type?: string }
  secret?: { secretName: string, items?: Array<{ key: string, path: string }> }
  emptyDir?: Record<string, unknown>
  persistentVolumeClaim?: { claimName: string }
}
export interface PodSpec {
  serviceAccountName?: string
  automountServiceAccountToken?: boolean
  hostNetwork?: boolean
  hostPID?: boolean
  dnsPolicy?: string
  priorityClassName?: string
  securityContext?: { runAsNonRoot?: boolean, runAsUser?: number }
  containers: Container[]
  volumes?: Volume[]
  tolerations?: Array<Record<string, string>>
  affinity?: { nodeAffinity?: { requiredDuringSchedulingIgnoredDuringExecution?: { nodeSelectorTerms: Array<{ matchExpressions: Array<{ key: string, operator: string }> }> } } }
}
export interface Workload {
  metadata: { name: string }
  spec: {
    replicas?: number
    selector: { matchLabels: Record<string, string> }
    template: { metadata: { labels: Record<string, string>, annotations?: Record<string, string> }, spec: PodSpec }
  }
}

export function podSpec (doc: unknown): PodSpec {
  return (doc as Workload).spec.template.spec
}

export function container (doc: unknown, name: string): Container {
  const c = podSpec(doc).containers.find((x) => x.name === name)
  if (!c) throw new Error(`no container ${name}`)
  return c
}

export function env (c: Container, name: string): EnvVar {
  const e = c.env?.find((x) => x.name === name)
  if (!e) throw new Error(`container ${c.name} has no env ${name}`)
  return e
}

export function volume (doc: unknown, name: string): Volume {
  const v = podSpec(doc).volumes?.find((x) => x.name === name)
  if (!v) throw new Error(`no volume ${name}`)
  return v
}

export function mount (c: Container, name: string): { mountPath: string, readOnly?: boolean } {
  const m = c.volumeMounts?.find((x) => x.name === name)
  if (!m) throw new Error(`container ${c.name} does not mount ${name}`)
  return m
}

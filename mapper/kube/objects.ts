/**
 * The few fields of Kubernetes objects the mapper reads. The informers hand over raw JSON from list
 * and watch alike (informer-http.ts), timestamps as strings; a Date is accepted too, for objects that
 * tests and benches build in code.
 */
export type Stamp = Date | string | undefined

export interface OwnerRef { kind: string, name: string, uid: string, controller?: boolean }

export interface ObjectMeta {
  name?: string
  namespace?: string
  uid?: string
  labels?: Record<string, string>
  annotations?: Record<string, string>
  ownerReferences?: OwnerRef[]
  creationTimestamp?: Stamp
  deletionTimestamp?: Stamp
}

export interface KubeObject { kind?: string, metadata?: ObjectMeta }

export interface PodObject extends KubeObject {
  spec?: {
    nodeName?: string
    hostNetwork?: boolean
    hostname?: string
    subdomain?: string
    containers?: Array<{ ports?: Array<{ name?: string, containerPort: number, protocol?: string }> }>
  }
  status?: { phase?: string, podIP?: string, podIPs?: Array<{ ip: string }>, startTime?: Stamp }
}

export interface ServiceObject extends KubeObject {
  spec?: {
    type?: string
    clusterIP?: string
    clusterIPs?: string[]
    externalIPs?: string[]
    selector?: Record<string, string>
    ports?: Array<{ name?: string, port: number, targetPort?: number | string, nodePort?: number, protocol?: string }>
  }
  status?: { loadBalancer?: { ingress?: Array<{ ip?: string }> } }
}

export interface EndpointSliceObject extends KubeObject {
  addressType?: string
  endpoints?: Array<{ addresses?: string[], targetRef?: { kind?: string, name?: string, namespace?: string, uid?: string } }>
  ports?: Array<{ name?: string, port?: number, protocol?: string }>
}

export interface NodeObject extends KubeObject {
  spec?: { podCIDR?: string, podCIDRs?: string[] }
  status?: { addresses?: Array<{ type: string, address: string }> }
}

export function stampMs (s: Stamp): number | undefined {
  if (s === undefined) return undefined
  const t = s instanceof Date ? s.getTime() : Date.parse(s)
  return Number.isFinite(t) ? t : undefined
}

export function nsName (namespace: string | undefined, name: string): string {
  return namespace ? `${namespace}/${name}` : name
}

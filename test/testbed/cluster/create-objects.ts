/** Creates objects through the API (POST to their collection; an existing one is left as it is). */
import type { KubeClient } from '../control-plane/kube-http.js'

const PLURAL: Record<string, string> = {
  ServiceAccount: 'serviceaccounts', ConfigMap: 'configmaps', Service: 'services', Namespace: 'namespaces', Pod: 'pods', Secret: 'secrets',
  Deployment: 'deployments', StatefulSet: 'statefulsets', DaemonSet: 'daemonsets', Job: 'jobs', CronJob: 'cronjobs',
  ClusterRole: 'clusterroles', ClusterRoleBinding: 'clusterrolebindings', Role: 'roles', RoleBinding: 'rolebindings', NetworkPolicy: 'networkpolicies'
}
const CLUSTER_SCOPED = new Set(['Namespace', 'ClusterRole', 'ClusterRoleBinding'])

export function collectionPath (apiVersion: string, kind: string, namespace?: string): string {
  const plural = PLURAL[kind]
  if (plural === undefined) throw new Error(`create-objects: no path known for kind ${kind}`)
  const base = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`
  return CLUSTER_SCOPED.has(kind) ? `${base}/${plural}` : `${base}/namespaces/${namespace ?? 'default'}/${plural}`
}

export async function createObjects (client: KubeClient, objects: object[]): Promise<void> {
  for (const o of objects as Array<{ apiVersion: string, kind: string, metadata: { namespace?: string } }>) {
    await client.request('POST', collectionPath(o.apiVersion, o.kind, o.metadata.namespace), o, { allow: [409] })
  }
}

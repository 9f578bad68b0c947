/** The kinds the mapper watches, cluster-wide, and their REST collection paths. */

export const INFORMER_KINDS = {
  Pod: '/api/v1/pods',
  Service: '/api/v1/services',
  EndpointSlice: '/apis/discovery.k8s.io/v1/endpointslices',
  ReplicaSet: '/apis/apps/v1/replicasets',
  Deployment: '/apis/apps/v1/deployments',
  StatefulSet: '/apis/apps/v1/statefulsets',
  DaemonSet: '/apis/apps/v1/daemonsets',
  Job: '/apis/batch/v1/jobs',
  CronJob: '/apis/batch/v1/cronjobs',
  Node: '/api/v1/nodes',
  Namespace: '/api/v1/namespaces',
  NetworkPolicy: '/apis/networking.k8s.io/v1/networkpolicies'
} as const

export type KindName = keyof typeof INFORMER_KINDS

export const ALL_KINDS = Object.keys(INFORMER_KINDS) as KindName[]

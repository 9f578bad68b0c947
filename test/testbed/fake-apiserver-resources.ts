/**
 * The resource table of the fake API server, and the discovery documents built from it
 * (/api, /api/v1, /apis, /apis/<group>/<version>, /version), in the legacy (non-aggregated) formats.
 */

export interface ResourceDef {
  kind: string
  /** URL segment: `pods`. */
  plural: string
  singular: string
  /** '' for the core group. */
  group: string
  version: string
  namespaced: boolean
  shortNames: string[]
}

export const RESOURCES: readonly ResourceDef[] = [
  { kind: 'Pod', plural: 'pods', singular: 'pod', group: '', version: 'v1', namespaced: true, shortNames: ['po'] },
  { kind: 'Service', plural: 'services', singular: 'service', group: '', version: 'v1', namespaced: true, shortNames: ['svc'] },
  { kind: 'Namespace', plural: 'namespaces', singular: 'namespace', group: '', version: 'v1', namespaced: false, shortNames: ['ns'] },
  { kind: 'Node', plural: 'nodes', singular: 'node', group: '', version: 'v1', namespaced: false, shortNames: ['no'] },
  { kind: 'EndpointSlice', plural: 'endpointslices', singular: 'endpointslice', group: 'discovery.k8s.io', version: 'v1', namespaced: true, shortNames: [] },
  { kind: 'ReplicaSet', plural: 'replicasets', singular: 'replicaset', group: 'apps', version: 'v1', namespaced: true, shortNames: ['rs'] },
  { kind: 'Deployment', plural: 'deployments', singular: 'deployment', group: 'apps', version: 'v1', namespaced: true, shortNames: ['deploy'] },
  { kind: 'StatefulSet', plural: 'statefulsets', singular: 'statefulset', group: 'apps', version: 'v1', namespaced: true, shortNames: ['sts'] },
  { kind: 'DaemonSet', plural: 'daemonsets', singular: 'daemonset', group: 'apps', version: 'v1', namespaced: true, shortNames: ['ds'] },
  { kind: 'Job', plural: 'jobs', singular: 'job', group: 'batch', version: 'v1', namespaced: true, shortNames: [] },
  { kind: 'CronJob', plural: 'cronjobs', singular: 'cronjob', group: 'batch', version: 'v1', namespaced: true, shortNames: ['cj'] },
  { kind: 'NetworkPolicy', plural: 'networkpolicies', singular: 'networkpolicy', group: 'networking.k8s.io', version: 'v1', namespaced: true, shortNames: ['netpol'] }
]

export function apiVersionOf (def: ResourceDef): string {
  return def.group === '' ? def.version : `${def.group}/${def.version}`
}

export function resourceByKind (kind: string): ResourceDef | undefined {
  return RESOURCES.find((r) => r.kind === kind)
}

export function resourceByPath (group: string, version: string, plural: string): ResourceDef | undefined {
  return RESOURCES.find((r) => r.group === group && r.version === version && r.plural === plural)
}

const VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch']

/** `APIResourceList` for one group/version, or undefined when the server does not serve it. */
export function resourceList (group: string, version: string): object | undefined {
  const defs = RESOURCES.filter((r) => r.group === group && r.version === version)
  if (defs.length === 0) return undefined
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: group === '' ? version : `${group}/${version}`,
    resources: defs.map((r) => ({
      name: r.plural,
      singularName: r.singular,
      namespaced: r.namespaced,
      kind: r.kind,
      verbs: VERBS,
      ...(r.shortNames.length > 0 ? { shortNames: r.shortNames } : {})
    }))
  }
}

export function coreVersions (): object {
  return {
    kind: 'APIVersions',
    versions: ['v1'],
    serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: '127.0.0.1' }]
  }
}

export function groupList (): object {
  const groups = [...new Set(RESOURCES.filter((r) => r.group !== '').map((r) => r.group))]
  return {
    kind: 'APIGroupList',
    apiVersion: 'v1',
    groups: groups.map((name) => {
      const versions = [...new Set(RESOURCES.filter((r) => r.group === name).map((r) => r.version))]
      const gv = versions.map((v) => ({ groupVersion: `${name}/${v}`, version: v }))
      return { name, versions: gv, preferredVersion: gv[0] }
    })
  }
}

export function versionInfo (): object {
  return {
    major: '1',
    minor: '33',
    gitVersion: 'v1.33.0-podmap-fake',
    gitCommit: '0000000000000000000000000000000000000000',
    gitTreeState: 'clean',
    buildDate: '2025-01-01T00:00:00Z',
    goVersion: 'go1.24.0',
    compiler: 'gc',
    platform: 'linux/amd64'
  }
}

/**
 * Cluster DNS as every cluster runs it: the CoreDNS binary (built from its Go module) with the
 * kubernetes plugin reading the real API server as kube-system/coredns (its RBAC as the upstream
 * manifests grant it), the Deployment `coredns` (k8s-app=kube-dns) and the Service `kube-dns` at
 * the address plan's DNS ClusterIPs. Names outside the cluster domain go to the internet
 * namespace's DNS server. The container command is the binary itself (the node agent pulls no
 * image). Pure: objects and the Corefile.
 */
export interface CorednsInputs {
  binary: string
  corefile: string
  kubeDnsIPv4: string
  kubeDnsIPv6: string
  upstream: string
  clusterDomain: string
  kubeconfig: string
  logQueries: boolean
}

export function corefileText (i: CorednsInputs): string {
  return [
    '.:53 {',
    '    errors',
    ...(i.logQueries ? ['    log'] : []),
    `    kubernetes ${i.clusterDomain} in-addr.arpa ip6.arpa {`,
    `        kubeconfig ${i.kubeconfig} podmap-testbed`,
    '        pods insecure',
    '        fallthrough in-addr.arpa ip6.arpa',
    '        ttl 30',
    '    }',
    `    forward . ${i.upstream}`,
    '    cache 30',
    '    loadbalance',
    '}',
    ''
  ].join('\n')
}

export function corednsObjects (i: CorednsInputs): object[] {
  const labels = { 'k8s-app': 'kube-dns' }
  return [
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'coredns', namespace: 'kube-system' } },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name: 'system:coredns' },
      rules: [
        { apiGroups: [''], resources: ['endpoints', 'services', 'pods', 'namespaces'], verbs: ['list', 'watch'] },
        { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: ['list', 'watch'] }
      ]
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: 'system:coredns' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'system:coredns' },
      subjects: [{ kind: 'ServiceAccount', name: 'coredns', namespace: 'kube-system' }]
    },
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'coredns', namespace: 'kube-system' }, data: { Corefile: corefileText(i) } },
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'coredns', namespace: 'kube-system', labels },
      spec: {
        replicas: 1,
        selector: { matchLabels: labels },
        template: {
          metadata: { labels },
          spec: {
            serviceAccountName: 'coredns',
            containers: [{
              name: 'coredns',
              image: 'coredns/coredns:v1.14.7', // never pulled: the command below runs the coredns binary built by setup
              command: [i.binary, '-conf', i.corefile],
              ports: [{ name: 'dns', containerPort: 53, protocol: 'UDP' }, { name: 'dns-tcp', containerPort: 53, protocol: 'TCP' }],
              readinessProbe: { tcpSocket: { port: 53 }, periodSeconds: 1 }
            }]
          }
        }
      }
    },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'kube-dns', namespace: 'kube-system', labels: { ...labels, 'kubernetes.io/name': 'CoreDNS' } },
      spec: {
        selector: labels,
        ipFamilyPolicy: 'PreferDualStack',
        ipFamilies: ['IPv4', 'IPv6'],
        clusterIP: i.kubeDnsIPv4,
        clusterIPs: [i.kubeDnsIPv4, i.kubeDnsIPv6],
        ports: [{ name: 'dns', port: 53, protocol: 'UDP', targetPort: 53 }, { name: 'dns-tcp', port: 53, protocol: 'TCP', targetPort: 53 }]
      }
    }
  ]
}

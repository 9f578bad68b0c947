/** A kubeconfig for one identity (client certificate files or a bearer token), as kubectl, helm and client-node read it. */
import type { KubeCredentials } from './kube-http.js'

export function kubeconfigText (creds: KubeCredentials, name = 'podmap-testbed'): string {
  const user = creds.token !== undefined
    ? `    token: ${creds.token}`
    : `    client-certificate: ${creds.cert ?? ''}\n    client-key: ${creds.key ?? ''}`
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    `- name: ${name}`,
    '  cluster:',
    `    server: ${creds.server}`,
    `    certificate-authority: ${creds.ca}`,
    'users:',
    `- name: ${name}`,
    '  user:',
    user,
    'contexts:',
    `- name: ${name}`,
    '  context:',
    `    cluster: ${name}`,
    `    user: ${name}`,
    `current-context: ${name}`,
    ''
  ].join('\n')
}

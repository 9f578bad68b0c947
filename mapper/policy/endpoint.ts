/** One side of a call as the evaluator sees it: a pod (labels, namespace) or bare addresses. */

export interface PodEndpoint {
  kind: 'pod'
  namespace: string
  /** Labels the workload's pods share (all of them, hashes included: policies may select on any). */
  labels: Record<string, string>
  namespaceLabels: Record<string, string>
  ips: string[]
  /** container port name -> number, for named ports in policies */
  namedPorts: Map<string, number>
  /** container port name -> protocol (TCP when absent): a named port only names the port on its own protocol */
  namedPortProtocols?: Map<string, string>
}

/** External hosts and nodes: only ipBlock peers can match them, and no policy selects them. */
export interface AddressEndpoint {
  kind: 'address'
  ips: string[]
}

export type Endpoint = PodEndpoint | AddressEndpoint

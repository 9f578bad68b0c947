/**
 * The node agent: a kubelet and kube-proxy stand-in for one node of the namespace cluster. It runs
 * inside the node's network namespace and as PID 1 of the node's own PID namespace, so every pod
 * process of this node lives there and dies with it. It talks to the API server with the node's
 * credentials (system:node:<name>, authorized by the Node authorizer) and kube-proxy's
 * (system:kube-proxy). Prints one JSON line per event; "ready" once the node is registered and
 * the service rules are in place.
 *
 *   node --import tsx test/testbed/node-agent/main.ts <config.json>
 */
import { kubeClient } from '../control-plane/kube-http.js'
import { readAgentConfig } from './agent-config.js'
import { registerNode } from './node-lifecycle.js'
import { podIpPool } from './pod-ip-pool.js'
import { startPodManager } from './pod-manager.js'
import { startServiceProxy } from './service-proxy.js'
import { startKubeletServer } from './kubelet-server.js'

const config = readAgentConfig(process.argv[2] ?? '')
const say = (event: string, extra: Record<string, unknown> = {}): void => { process.stdout.write(JSON.stringify({ event, node: config.nodeName, ...extra }) + '\n') }
const log = (message: string): void => say('log', { message })

const kubelet = kubeClient({ server: config.server, ca: config.ca, cert: config.kubelet.cert, key: config.kubelet.key })
const proxy = kubeClient({ server: config.server, ca: config.ca, cert: config.kubeProxy.cert, key: config.kubeProxy.key })

const lifecycle = await registerNode(kubelet, config, log)
const serviceProxy = startServiceProxy(proxy, config, log)
const pods = startPodManager({ config, kubelet, pool: podIpPool(config.podIPv4s.length), extraEnv: { KUBERNETES_SERVICE_HOST: config.kubernetesServiceHost, KUBERNETES_SERVICE_PORT: '443' }, log })
const findPod = (namespace: string, name: string): ReturnType<typeof pods.workers.get> =>
  [...pods.workers.values()].find((w) => w.namespace === namespace && w.name === name)
const server = await startKubeletServer(config, findPod, log)
await serviceProxy.synced
await pods.informer.synced
say('ready')

const shutdown = (): void => {
  lifecycle.stop()
  serviceProxy.stop()
  server.close()
  void pods.stop().then(() => process.exit(0))
}
process.on('SIGTERM', shutdown)
process.on('SIGINT', shutdown)

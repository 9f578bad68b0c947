import { z } from 'zod'
import { duration, type OptionSpecs } from '../src/config/options.js'

/** Options every API-talking command shares. */
export const clientOptions = {
  'mapper-url': {
    // '' (the default) means: find the mapper through the Kubernetes API and port-forward to it.
    schema: z.union([z.url(), z.literal('')]).default(''),
    help: 'the mapper\'s base URL, e.g. http://localhost:9090 ($PODMAP_MAPPER_URL); without it, port-forward to the mapper Service through the kubeconfig\'s cluster'
  },
  kubeconfig: { schema: z.string().optional(), env: ['KUBECONFIG'], help: 'kubeconfig file(s) used to find the mapper when no --mapper-url ($KUBECONFIG, else ~/.kube/config)' },
  context: { schema: z.string().optional(), help: 'kubeconfig context to use (default: its current context)' },
  'mapper-namespace': { schema: z.string().optional(), help: 'namespace podmap is installed in (default: the mapper Service found by label in any namespace, else podmap)' },
  'request-timeout': { schema: duration('15s'), help: 'how long finding the mapper through the Kubernetes API and opening the port-forward may take (default 15s)' },
  'read-token-file': { schema: z.string().optional(), help: 'file holding a bearer token for the read API, if the mapper requires one' },
  help: { schema: z.boolean().default(false), help: 'show this help', flag: true, short: 'h' }
} satisfies OptionSpecs

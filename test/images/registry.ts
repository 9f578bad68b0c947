/**
 * A real image registry for the image test: Debian's docker-registry (the CNCF distribution
 * registry) on 127.0.0.1, with its own configuration and storage in a temporary folder, over plain
 * HTTP. buildah reaches it through a registries.conf that marks it `insecure` (`env` holds
 * CONTAINERS_REGISTRIES_CONF), so README's push line runs exactly as a user types it.
 */
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort } from '../testbed/free-port.js'

export const REGISTRY_BINARY = '/usr/bin/docker-registry'

export interface LocalRegistry {
  /** host:port, as an image reference starts. */
  address: string
  /** CONTAINERS_REGISTRIES_CONF for buildah and skopeo. */
  env: Record<string, string>
  /** GET on the registry's own API (/v2/...). */
  api: (path: string) => Promise<{ status: number, body: string }>
  output: () => string
  stop: () => Promise<void>
}

export async function startRegistry (): Promise<LocalRegistry> {
  if (!existsSync(REGISTRY_BINARY)) {
    throw new Error(`${REGISTRY_BINARY} is missing: run \`bash scripts/test-images.sh\` (scripts/install-image-deps.sh installs docker-registry)`)
  }
  const dir = await mkdtemp(join(tmpdir(), 'podmap-registry-'))
  const port = await freePort()
  const address = `127.0.0.1:${port}`
  await writeFile(join(dir, 'config.yml'), [
    'version: 0.1',
    'log:',
    '  level: info',
    '  accesslog:',
    '    disabled: true',
    'storage:',
    '  filesystem:',
    `    rootdirectory: ${join(dir, 'storage')}`,
    '  delete:',
    '    enabled: true',
    'http:',
    `  addr: ${address}`,
    `  secret: podmap-image-test-${port}`,
    ''
  ].join('\n'))
  await writeFile(join(dir, 'registries.conf'), [
    'unqualified-search-registries = []',
    '',
    '[[registry]]',
    `location = "${address}"`,
    'insecure = true',
    ''
  ].join('\n'))
  const child = spawn(REGISTRY_BINARY, ['serve', join(dir, 'config.yml')], { detached: true, stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  child.stdout.on('data', (b: Buffer) => { out += b.toString() })
  child.stderr.on('data', (b: Buffer) => { out += b.toString() })
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  const api = async (path: string): Promise<{ status: number, body: string }> => {
    const res = await fetch(`http://${address}${path}`, { signal: AbortSignal.timeout(5000) })
    return { status: res.status, body: await res.text() }
  }
  const stop = async (): Promise<void> => {
    if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) {
      try { process.kill(-child.pid, 'SIGTERM') } catch { /* already gone */ }
      const timer = setTimeout(() => { try { process.kill(-(child.pid ?? 0), 'SIGKILL') } catch { /* gone */ } }, 5000)
      timer.unref()
      await exited
      clearTimeout(timer)
    }
    await rm(dir, { recursive: true, force: true })
  }
  // Ready when /v2/ answers 200 (at most 10 s).
  for (let i = 0; i < 100; i++) {
    if (child.exitCode !== null) break
    const res = await api('/v2/').catch(() => undefined)
    if (res?.status === 200) {
      return { address, env: { CONTAINERS_REGISTRIES_CONF: join(dir, 'registries.conf') }, api, output: () => out, stop }
    }
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  await stop()
  throw new Error(`docker-registry did not answer on ${address}; its output:\n${out}`)
}

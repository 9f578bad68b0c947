/** A real `podmap mapper` process on 127.0.0.1, for fault tests: against the real control plane (a kubeconfig), or the fake API server where a test injects API faults (k8s-faults). */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { BIN, waitFor } from '../e2e/stack.js'
import type { FakeApiServer } from '../testbed/fake-apiserver.js'
import { freePort } from '../testbed/free-port.js'

export interface MapperProcess {
  url: string
  token: string
  dir: string
  child: ChildProcess
  logs: string[]
  /** Sends `signal` and waits for the exit (SIGKILL after 5 s). */
  stop: (signal?: NodeJS.Signals) => Promise<void>
  /** Starts it again with the same arguments, port and state. */
  restart: () => Promise<void>
  cleanup: () => Promise<void>
}


export async function readyz (url: string): Promise<number> {
  try {
    const res = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(2000) })
    await res.text()
    return res.status
  } catch {
    return 0
  }
}

/** `extraArgs` are appended to the mapper's command line; `{dir}` in them becomes the process's own temp directory, where `files` are written first. */
export async function startMapperProcess (api: FakeApiServer | { kubeconfig: string }, extraArgs: string[] = [], files: Record<string, string> = {}, readyTimeoutMs = 30_000): Promise<MapperProcess> {
  const dir = mkdtempSync('/tmp/podmap-rel-')
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text, { mode: 0o600 })
  const args = extraArgs.map((a) => a.replaceAll('{dir}', dir))
  const token = `tok-${Math.random().toString(36).slice(2)}`
  writeFileSync(join(dir, 'token'), token + '\n', { mode: 0o600 })
  const kubeconfig = 'kubeconfig' in api ? api.kubeconfig : join(dir, 'kubeconfig')
  if (!('kubeconfig' in api)) await api.writeKubeconfig(kubeconfig)
  const port = await freePort()
  const url = `http://127.0.0.1:${port}`
  const logs: string[] = []
  const launch = async (): Promise<ChildProcess> => {
    const child = spawn(process.execPath, [BIN, 'mapper', '--kubeconfig', kubeconfig, '--token-file', join(dir, 'token'),
      '--host', '127.0.0.1', '--port', String(port), ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
    const push = (chunk: Buffer): void => {
      for (const line of chunk.toString('utf8').split('\n')) if (line) logs.push(line)
      if (logs.length > 5000) logs.splice(0, logs.length - 5000)
    }
    child.stdout?.on('data', push)
    child.stderr?.on('data', push)
    await waitFor('the mapper to be ready', async () => (await readyz(url)) === 200 ? true : undefined, readyTimeoutMs, 100)
    return child
  }
  const mp: MapperProcess = {
    url, token, dir, logs,
    child: await launch(),
    stop: async (signal = 'SIGTERM') => {
      const child = mp.child
      if (child.exitCode !== null || child.signalCode !== null) return
      await new Promise<void>((resolve) => {
        const t = setTimeout(() => { child.kill('SIGKILL') }, 5000)
        child.once('exit', () => { clearTimeout(t); resolve() })
        child.kill(signal)
      })
    },
    restart: async () => { await mp.stop(); mp.child = await launch() },
    cleanup: async () => { await mp.stop(); rmSync(dir, { recursive: true, force: true }) }
  }
  return mp
}

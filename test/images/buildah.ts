/**
 * The few buildah calls the image test makes. Every run uses --isolation chroot: no OCI runtime
 * works on these machines, and no Docker engine exists.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process'
import { promisify } from 'node:util'

const exec = promisify(execFile)

export interface ImageConfig { User?: string, Entrypoint?: string[], Cmd?: string[], Env?: string[], WorkingDir?: string }

export async function buildahAvailable (): Promise<boolean> {
  return await exec('buildah', ['--version']).then(() => true, () => false)
}

export async function imageExists (image: string): Promise<boolean> {
  return await exec('buildah', ['inspect', '--type', 'image', image]).then(() => true, () => false)
}

export async function imageConfig (image: string): Promise<{ config: ImageConfig, healthcheck: unknown }> {
  const { stdout } = await exec('buildah', ['inspect', '--type', 'image', image], { maxBuffer: 16 << 20 })
  const info = JSON.parse(stdout) as { OCIv1: { config: ImageConfig }, Docker?: { config?: { Healthcheck?: unknown } } }
  return { config: info.OCIv1.config, healthcheck: info.Docker?.config?.Healthcheck }
}

/** A working container made from an image; remove it when done. */
export async function fromImage (image: string): Promise<string> {
  const { stdout } = await exec('buildah', ['from', '--pull-never', image])
  return stdout.trim()
}

export async function removeContainer (ctr: string): Promise<void> {
  await exec('buildah', ['rm', ctr]).catch(() => undefined)
}

export interface RunResult { code: number, stdout: string, stderr: string }

/** Runs one command in the container to completion (bounded by timeoutMs). */
export async function runIn (ctr: string, argv: string[], timeoutMs = 60_000): Promise<RunResult> {
  try {
    const { stdout, stderr } = await exec('buildah', ['run', '--isolation', 'chroot', ctr, '--', ...argv], { timeout: timeoutMs, maxBuffer: 16 << 20 })
    return { code: 0, stdout, stderr }
  } catch (err) {
    const e = err as { code?: number | string, stdout?: string, stderr?: string }
    return { code: typeof e.code === 'number' ? e.code : 1, stdout: e.stdout ?? '', stderr: e.stderr ?? String(err) }
  }
}

/**
 * Starts a long-running command in the container, in its own process group so that stop()
 * ends buildah and everything it started, and nothing else. `capabilities` are added to buildah's
 * default set (e.g. CAP_NET_RAW, as the chart grants the sniffer).
 */
export function startIn (ctr: string, argv: string[], volumes: string[], capabilities: string[] = []): { child: ChildProcess, output: () => string, stop: () => Promise<void> } {
  const args = ['run', '--isolation', 'chroot', ...volumes.flatMap((v) => ['--volume', v]), ...capabilities.flatMap((c) => ['--cap-add', c]), ctr, '--', ...argv]
  const child = spawn('buildah', args, { detached: true, stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  child.stdout?.on('data', (b: Buffer) => { out += b.toString() })
  child.stderr?.on('data', (b: Buffer) => { out += b.toString() })
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  const signal = (sig: NodeJS.Signals): void => {
    if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) {
      try { process.kill(-child.pid, sig) } catch { /* already gone */ }
    }
  }
  return {
    child,
    output: () => out,
    stop: async () => {
      signal('SIGTERM')
      const timer = setTimeout(() => signal('SIGKILL'), 10_000)
      timer.unref()
      await exited
      clearTimeout(timer)
    }
  }
}

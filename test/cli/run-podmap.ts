/** Runs the real `podmap` command (bin/podmap.js) and returns its exit code and output, never throwing. */
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { BIN } from '../e2e/stack.js'

const run = promisify(execFile)

export interface PodmapResult { code: number, stdout: string, stderr: string }

/**
 * `env` given: the command sees only PATH, HOME (`home`) and `env` — no PODMAP_MAPPER_URL or
 * KUBECONFIG of the caller's leaks in. Without it, the caller's environment.
 */
export async function runPodmap (args: string[], opts: { env?: Record<string, string>, home?: string } = {}): Promise<PodmapResult> {
  const env = opts.env === undefined ? undefined : { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: opts.home ?? '/nonexistent', ...opts.env }
  try {
    const r = await run(process.execPath, [BIN, ...args], { env, timeout: 60_000 })
    return { code: 0, stdout: r.stdout, stderr: r.stderr }
  } catch (err) {
    const e = err as { code: number, stdout: string, stderr: string }
    return { code: e.code, stdout: e.stdout, stderr: e.stderr }
  }
}

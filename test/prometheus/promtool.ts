/** Runs Debian's promtool (installed by `npm run setup`), optionally feeding it stdin. */
import { spawn } from 'node:child_process'
import { PROMTOOL, requirePrometheus } from './prometheus-server.js'

export interface PromtoolResult { code: number, stdout: string, stderr: string }

export async function promtool (args: string[], stdin?: string): Promise<PromtoolResult> {
  requirePrometheus()
  return await new Promise((resolve, reject) => {
    const child = spawn(PROMTOOL, args, { stdio: ['pipe', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (c: Buffer) => { stdout += c.toString('utf8') })
    child.stderr.on('data', (c: Buffer) => { stderr += c.toString('utf8') })
    const t = setTimeout(() => { child.kill('SIGKILL') }, 60_000)
    child.once('error', (err) => { clearTimeout(t); reject(err) })
    child.once('close', (code) => { clearTimeout(t); resolve({ code: code ?? 1, stdout, stderr }) })
    child.stdin.end(stdin ?? '')
  })
}

/** `promtool check metrics` on exposition text: lint problems, one per line (none: []). */
export async function lintMetrics (text: string): Promise<string[]> {
  const res = await promtool(['check', 'metrics'], text)
  const problems = `${res.stdout}\n${res.stderr}`.split('\n').map((l) => l.trim()).filter((l) => l.length > 0)
  if (res.code !== 0 && problems.length === 0) problems.push(`promtool check metrics exited ${res.code} without a message`)
  return res.code === 0 ? [] : problems
}

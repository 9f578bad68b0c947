/** Runs a command to completion (bounded), failing with its stderr. */
import { execFile } from 'node:child_process'

export async function runCmd (cmd: string, args: string[], input?: string, timeoutMs = 10_000): Promise<string> {
  return await new Promise((resolve, reject) => {
    const child = execFile(cmd, args, { timeout: timeoutMs, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      if (err !== null) reject(new Error(`\`${cmd} ${args.join(' ')}\` failed: ${stderr.trim() || err.message}`))
      else resolve(stdout)
    })
    if (input !== undefined) child.stdin?.end(input)
  })
}

/**
 * The install commands README.md gives under "Install in a cluster", as the tests run them: the
 * line that builds and pushes the images and the `helm install` line, expanded by bash exactly as a
 * user's shell would expand them (with REGISTRY set).
 */
import { execFile } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'

const exec = promisify(execFile)
export const ROOT = join(import.meta.dirname, '..', '..')

export interface ReadmeInstall { push: string, helmInstall: string, rollout: string[] }

/** The first sh block of README's "## Install in a cluster" section, and the lines the tests run. */
export async function readmeInstall (): Promise<ReadmeInstall> {
  const readme = await readFile(join(ROOT, 'README.md'), 'utf8')
  const section = /^## Install in a cluster\n([\s\S]*?)(?=^## )/m.exec(readme)?.[1]
  if (section === undefined) throw new Error('README.md has no "## Install in a cluster" section')
  const block = /```sh\n([\s\S]*?)```/.exec(section)?.[1]
  if (block === undefined) throw new Error('README.md\'s install section has no ```sh block')
  const lines = block.split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'))
  const one = (what: string, prefix: string): string => {
    const found = lines.filter((l) => l.startsWith(prefix))
    if (found.length !== 1) throw new Error(`README.md's install block: expected one ${what} line starting "${prefix}", found ${found.length}:\n${block}`)
    return found[0] as string
  }
  return {
    push: one('build and push', 'scripts/build-images.sh --push'),
    helmInstall: one('helm install', 'helm install '),
    rollout: lines.filter((l) => l.includes(' rollout status '))
  }
}

/** The argv a simple command line becomes in bash (quotes removed, variables from `env` expanded, comments dropped). */
export async function shellWords (line: string, env: Record<string, string> = {}): Promise<string[]> {
  const { stdout } = await exec('bash', ['-c', `argv () { printf '%s\\0' "$@"; }\nargv ${line}`], { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env } })
  return stdout.split('\0').slice(0, -1)
}

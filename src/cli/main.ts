/**
 * `podmap <command>`: the one entry. `sniffer` and `mapper` start the components; every other
 * command talks to a mapper over its HTTP API. Exit codes: 0 ok, 1 failure (including an unreachable
 * mapper or bad configuration), 2 bad usage.
 */
import { isCodedError } from '../errors/coded-error.js'

export interface Command {
  summary: string
  run: (argv: string[]) => Promise<number>
}

const commands: Record<string, () => Promise<Command>> = {
  sniffer: async () => (await import('./commands/sniffer.js')).snifferCommand,
  mapper: async () => (await import('./commands/mapper.js')).mapperCommand,
  list: async () => (await import('./commands/list.js')).listCommand,
  diff: async () => (await import('./commands/diff.js')).diffCommand,
  snapshot: async () => (await import('./commands/snapshot.js')).snapshotCommand,
  reset: async () => (await import('./commands/reset.js')).resetCommand,
  export: async () => (await import('./commands/export.js')).exportCommand,
  visualize: async () => (await import('./commands/visualize.js')).visualizeCommand,
  shadow: async () => (await import('./commands/shadow.js')).shadowCommand
}

const summaries: Record<string, string> = {
  sniffer: 'run the node agent: capture DNS responses, scan /proc sessions, report to the mapper',
  mapper: 'run the mapper: resolve reports to workloads, keep the map, serve the API',
  list: 'print the map as a table grouped by client (-o json|yaml for machines)',
  diff: 'calls that appeared, disappeared or changed since a snapshot or a time',
  snapshot: 'pin the current map under a name (snapshot create NAME), or list snapshots',
  reset: 'clear the map (needs the write token)',
  export: 'the map as ClientIntents, NetworkPolicies, CiliumNetworkPolicies or JSON (-o file|dir)',
  visualize: 'draw the map grouped by namespace: svg, png, dot or mermaid',
  shadow: 'observed calls the cluster\'s (or proposed, -f) NetworkPolicies would deny'
}

export function rootUsage (): string {
  const lines = ['usage: podmap <command> [options]', '', 'commands:']
  for (const [name, summary] of Object.entries(summaries)) lines.push(`  ${name.padEnd(10)} ${summary}`)
  lines.push('', 'run `podmap <command> --help` for the options of one command')
  return lines.join('\n')
}

export async function main (argv: string[]): Promise<number> {
  const [name, ...rest] = argv
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(rootUsage() + '\n')
    return name === undefined ? 2 : 0
  }
  const load = commands[name]
  if (!load) {
    process.stderr.write(`podmap: unknown command "${name}"\n\n${rootUsage()}\n`)
    return 2
  }
  try {
    return await (await load()).run(rest)
  } catch (err) {
    if (isCodedError(err)) {
      process.stderr.write(`podmap ${name}: ${err.message}\n`)
      return err.statusCode === 2 ? 2 : 1
    }
    process.stderr.write(`podmap ${name}: ${(err as Error).stack ?? String(err)}\n`)
    return 1
  }
}

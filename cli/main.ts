/**
 * `podmap <command>`: the one entry. `sniffer` and `mapper` start the components; every other
 * command talks to a mapper over its HTTP API. Exit codes: 0 ok, 1 failure (including an unreachable
 * mapper or bad configuration), 2 bad usage.
 */
import { runCli, type CommandTable } from './dispatch.js'
// Only the summary: the mapper image ships no sniffer code, so nothing of it may load up front.
import { SNIFFER_SUMMARY } from './commands/sniffer-summary.js'

const commands: CommandTable = {
  sniffer: { summary: SNIFFER_SUMMARY, load: async () => (await import('./commands/sniffer.js')).snifferCommand },
  mapper: { summary: 'run the mapper: resolve reports to workloads, keep the map, serve the API', load: async () => (await import('./commands/mapper.js')).mapperCommand },
  list: { summary: 'print the map as a table grouped by client (-o json|yaml for machines)', load: async () => (await import('./commands/list.js')).listCommand },
  diff: { summary: 'calls that appeared, disappeared or changed since a snapshot or a time', load: async () => (await import('./commands/diff.js')).diffCommand },
  snapshot: { summary: 'pin the current map under a name (snapshot create NAME), or list snapshots', load: async () => (await import('./commands/snapshot.js')).snapshotCommand },
  reset: { summary: 'clear the map (needs the write token)', load: async () => (await import('./commands/reset.js')).resetCommand },
  export: { summary: 'the map as ClientIntents, NetworkPolicies, CiliumNetworkPolicies or JSON (-o file|dir)', load: async () => (await import('./commands/export.js')).exportCommand },
  visualize: { summary: 'draw the map grouped by namespace: svg, png, dot or mermaid', load: async () => (await import('./commands/visualize.js')).visualizeCommand },
  shadow: { summary: 'observed calls the cluster\'s (or proposed, -f) NetworkPolicies would deny', load: async () => (await import('./commands/shadow.js')).shadowCommand }
}

export async function main (argv: string[]): Promise<number> {
  return await runCli(argv, commands)
}

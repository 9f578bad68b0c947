import { snifferOptions } from '../../../sniffer/config.js'
import { componentCommand } from './component.js'
import type { CommandTable } from '../dispatch.js'

export const snifferCommand = componentCommand('sniffer', snifferOptions, async () => (await import('../../../sniffer/main.js')).runSniffer)

/** The `sniffer` row of a command table: the full `podmap` and the sniffer image's own entry share it. */
export const snifferEntry: CommandTable[string] = {
  summary: 'run the node agent: capture DNS responses, scan /proc sessions, report to the mapper',
  load: async () => snifferCommand
}

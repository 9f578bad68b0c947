import { snifferOptions } from '../../sniffer/config.js'
import { componentCommand } from './component.js'
import type { CommandTable } from '../dispatch.js'
import { SNIFFER_SUMMARY } from './sniffer-summary.js'

export const snifferCommand = componentCommand('sniffer', snifferOptions, async () => (await import('../../sniffer/main.js')).runSniffer)

/** The `sniffer` row of the sniffer image's command table (cli/sniffer-main.ts). */
export const snifferEntry: CommandTable[string] = { summary: SNIFFER_SUMMARY, load: async () => snifferCommand }

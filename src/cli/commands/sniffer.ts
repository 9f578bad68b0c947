import { snifferOptions } from '../../../sniffer/config.js'
import { componentCommand } from './component.js'

export const snifferCommand = componentCommand('sniffer', snifferOptions, async () => (await import('../../../sniffer/main.js')).runSniffer)

import { usage } from '../../config/options.js'
import { snifferOptions } from '../../../sniffer/config.js'
import type { Command } from '../main.js'

export const snifferCommand: Command = {
  summary: 'run the node agent',
  async run (argv) {
    if (argv.includes('--help') || argv.includes('-h')) { process.stdout.write(usage('sniffer', snifferOptions) + '\n'); return 0 }
    const { runSniffer } = await import('../../../sniffer/main.js')
    await runSniffer(argv, process.env)
    return 0
  }
}

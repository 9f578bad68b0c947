import { usage } from '../../config/options.js'
import { mapperOptions } from '../../../mapper/config.js'
import type { Command } from '../main.js'

export const mapperCommand: Command = {
  summary: 'run the mapper',
  async run (argv) {
    if (argv.includes('--help') || argv.includes('-h')) { process.stdout.write(usage('mapper', mapperOptions) + '\n'); return 0 }
    const { runMapper } = await import('../../../mapper/main.js')
    await runMapper(argv, process.env)
    return 0
  }
}

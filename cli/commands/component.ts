import { usage, type OptionSpecs } from '../../src/config/options.js'
import type { Command } from '../dispatch.js'

/** `podmap sniffer|mapper`: --help prints the component's options; otherwise its composition root runs. */
export function componentCommand (name: string, specs: OptionSpecs, load: () => Promise<(argv: string[], env: NodeJS.ProcessEnv) => Promise<void>>): Command {
  return {
    summary: `run the ${name}`,
    async run (argv) {
      if (argv.includes('--help') || argv.includes('-h')) { process.stdout.write(usage(name, specs) + '\n'); return 0 }
      await (await load())(argv, process.env)
      return 0
    }
  }
}

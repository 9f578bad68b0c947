/**
 * Runs one command of a command table: usage on no command or --help, exit 2 on an unknown one,
 * coded errors as one line (exit 1, or 2 for bad usage), anything else with its stack (exit 1).
 */
import { isCodedError } from '../src/errors/coded-error.js'

export interface Command {
  summary: string
  run: (argv: string[]) => Promise<number>
}

/** Commands by name, each loaded only when it runs (the sniffer never loads the mapper's code). */
export type CommandTable = Record<string, { summary: string, load: () => Promise<Command> }>

export function rootUsage (table: CommandTable): string {
  const lines = ['usage: podmap <command> [options]', '', 'commands:']
  for (const [name, { summary }] of Object.entries(table)) lines.push(`  ${name.padEnd(10)} ${summary}`)
  lines.push('', 'run `podmap <command> --help` for the options of one command')
  return lines.join('\n')
}

export async function runCli (argv: string[], table: CommandTable): Promise<number> {
  const [name, ...rest] = argv
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(rootUsage(table) + '\n')
    return name === undefined ? 2 : 0
  }
  const entry = table[name]
  if (!entry) {
    process.stderr.write(`podmap: unknown command "${name}"\n\n${rootUsage(table)}\n`)
    return 2
  }
  try {
    return await (await entry.load()).run(rest)
  } catch (err) {
    if (isCodedError(err)) {
      process.stderr.write(`podmap ${name}: ${err.message}\n`)
      return err.exitCode
    }
    process.stderr.write(`podmap ${name}: ${(err as Error).stack ?? String(err)}\n`)
    return 1
  }
}

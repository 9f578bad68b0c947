/**
 * The sniffer image's `podmap`: the `sniffer` command alone. scripts/bundle-sniffer.mjs bundles
 * this file into one module, so the DaemonSet loads no mapper, client or CLI code (BENCHMARKS.md:
 * the sniffer's memory budget). Same usage, options and exit codes as `podmap sniffer`.
 */
import { runCli } from './dispatch.js'
import { snifferEntry } from './commands/sniffer.js'

process.exitCode = await runCli(process.argv.slice(2), { sniffer: snifferEntry })

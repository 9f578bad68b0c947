/**
 * Figures the reliability tests report: one JSON line per test, appended to a file that
 * scripts/reliability.mjs reads to regenerate RELIABILITY.md. Outside that script the lines go to
 * a file in the temp directory, so a plain `npm test` leaves the repository untouched.
 */
import { appendFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export interface Figure {
  /** Section of RELIABILITY.md: 'bad input', 'faults', 'security', 'load'. */
  area: string
  /** What the test proves, one line. */
  test: string
  /** The figure, as a short human sentence ("100,000 frames, 0 exceptions, heap +1.2 MB"). */
  figure: string
  /** Inputs tried (frames, bodies, lines, requests), where the test feeds inputs. */
  inputs?: number
  /** Faults injected, where the test injects faults. */
  faults?: number
  /** Records lost, where the test counts records end to end. */
  lost?: number
  /** The test file, relative to the repository. */
  file: string
}

export function figuresPath (): string {
  return process.env.PODMAP_RELIABILITY_FIGURES ?? join(tmpdir(), 'podmap-reliability-figures.jsonl')
}

/** Appends one figure; never throws (a figure is a report, not an assertion). */
export function recordFigure (figure: Figure): void {
  try {
    appendFileSync(figuresPath(), JSON.stringify({ ...figure, at: new Date().toISOString() }) + '\n')
  } catch (err) {
    process.stderr.write(`reliability: could not record figure: ${(err as Error).message}\n`)
  }
}

/** On-demand soak: PODMAP_SOAK=1 runs every test with its long parameters (see scripts/reliability.mjs --soak). */
export const SOAK = process.env.PODMAP_SOAK === '1'

/** Running under `npm run reliability` (which collects the figures): the judges run longer than in `npm test`. */
export const RELIABILITY_RUN = process.env.PODMAP_RELIABILITY_FIGURES !== undefined

/** A fixed seed in the default run; PODMAP_SEED overrides it (the soak prints the one it used). */
export function seed (fallback: number): number {
  const s = process.env.PODMAP_SEED
  return s !== undefined && /^-?\d+$/.test(s) ? Number(s) : fallback
}

export const fmt = (n: number): string => n.toLocaleString('en-US')

/** heapUsed after a full GC, in bytes (exposes gc through V8 flags if node ran without --expose-gc). */
export async function settledHeap (): Promise<number> {
  const gc = await gcFunction()
  gc(); gc()
  return process.memoryUsage().heapUsed
}

let cachedGc: (() => void) | undefined
async function gcFunction (): Promise<() => void> {
  if (cachedGc) return cachedGc
  const g = (globalThis as { gc?: () => void }).gc
  if (g) return (cachedGc = g)
  const v8 = await import('node:v8')
  const vm = await import('node:vm')
  v8.setFlagsFromString('--expose-gc')
  cachedGc = vm.runInNewContext('gc') as () => void
  return cachedGc
}

/**
 * SVG and PNG rendered off the event loop: one worker thread (image-worker.ts) with its own heap
 * limit, one picture at a time, each with a deadline. A render past its deadline, or one that runs
 * the worker out of memory, ends the worker (a new one starts for the next picture) and answers 422
 * with a hint; past `maxQueue` waiting pictures the answer is 503 with Retry-After. The mapper's
 * event loop only posts the DOT text and receives the result.
 */
import { Worker } from 'node:worker_threads'
import { GraphTooLarge, RenderBusy } from '../../src/errors/catalogue.js'
import type { ImageRenderer } from './render-image.js'
import type { RenderAnswer, RenderRequest } from './image-worker.js'

export interface ImagePoolOptions {
  /** Longest a picture may take once the worker starts on it (ms). */
  deadlineMs: number
  /** The worker's heap limit (MiB). */
  maxHeapMb: number
  /** Pictures that may wait for the worker (default 4). */
  maxQueue?: number
}

export const TOO_LARGE_HINT = 'filter by namespace (?namespace=a,b) or label (?labelSelector=…), or take format=dot or format=mermaid'

interface Job { req: Omit<RenderRequest, 'id'>, resolve: (out: string | Uint8Array) => void, reject: (err: Error) => void }

export interface ImagePool extends ImageRenderer {
  /** Ends the worker (shutdown). */
  close: () => Promise<void>
}

export function createImagePool (o: ImagePoolOptions): ImagePool {
  // Under tsx (tests) the worker runs from its .ts source; built, from dist's .js.
  // The worker gets only the flags it needs, not the parent's (a test runner's or debugger's).
  const fromSource = import.meta.url.endsWith('.ts')
  const script = new URL(fromSource ? './image-worker.ts' : './image-worker.js', import.meta.url)
  const execArgv = fromSource ? ['--import', 'tsx'] : []
  let worker: Worker | undefined
  let running: (Job & { id: number, timer: NodeJS.Timeout }) | undefined
  const queue: Job[] = []
  let nextId = 1

  const fail = (why: string): void => {
    const job = running
    running = undefined
    if (job) { clearTimeout(job.timer); job.reject(GraphTooLarge(`the picture ${why}: ${TOO_LARGE_HINT}`)) }
  }
  const stop = (): void => {
    const w = worker
    worker = undefined
    if (w) { w.removeAllListeners(); w.on('error', () => {}); void w.terminate() }
  }
  const start = (): Worker => {
    const w = new Worker(script, { execArgv, resourceLimits: { maxOldGenerationSizeMb: o.maxHeapMb } })
    w.on('message', (a: RenderAnswer) => {
      const job = running
      if (!job || job.id !== a.id) return
      running = undefined
      clearTimeout(job.timer)
      if (a.ok) job.resolve(a.out)
      else job.reject(GraphTooLarge(`the picture could not be rendered (${a.message}): ${TOO_LARGE_HINT}`))
      next()
    })
    w.on('error', (err) => { stop(); fail(`ran the renderer out of memory or failed (${err.message})`); next() })
    w.on('exit', () => { if (worker === w) { worker = undefined; fail('stopped the renderer'); next() } })
    // Referenced only while a picture is being rendered: an idle renderer never keeps the process alive.
    w.unref()
    return w
  }
  const next = (): void => {
    if (running) return
    const job = queue.shift()
    if (!job) { worker?.unref(); return }
    worker ??= start()
    worker.ref()
    const id = nextId++
    const timer = setTimeout(() => { stop(); fail(`took longer than ${o.deadlineMs} ms`); next() }, o.deadlineMs)
    timer.unref()
    running = { ...job, id, timer }
    worker.postMessage({ id, ...job.req } satisfies RenderRequest)
  }
  const render = (req: Omit<RenderRequest, 'id'>): Promise<string | Uint8Array> => new Promise((resolve, reject) => {
    if (queue.length >= (o.maxQueue ?? 4)) { reject(RenderBusy(`${queue.length} pictures are waiting to be rendered: retry later`)); return }
    queue.push({ req, resolve, reject })
    next()
  })
  return {
    svg: async (dot) => String(await render({ format: 'svg', dot })),
    png: async (dot) => { const out = await render({ format: 'png', dot }); return Buffer.from(out as Uint8Array) },
    async close () { queue.length = 0; fail('was cancelled at shutdown'); const w = worker; worker = undefined; if (w) await w.terminate() }
  }
}

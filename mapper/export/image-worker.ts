/**
 * The worker thread that lays out and rasterises graphs (render-image.ts), so a large picture never
 * holds the mapper's event loop: health probes and reports go on while it works. Started and bounded
 * (heap limit, deadline) by image-pool.ts.
 */
import { parentPort } from 'node:worker_threads'
import { createImageRenderer } from './render-image.js'

export interface RenderRequest { id: number, format: 'svg' | 'png', dot: string }
export type RenderAnswer = { id: number, ok: true, out: string | Uint8Array } | { id: number, ok: false, message: string }

const renderer = createImageRenderer()
const port = parentPort
if (!port) throw new Error('image-worker.ts runs as a worker thread')
port.on('message', (req: RenderRequest) => {
  const work = req.format === 'svg' ? renderer.svg(req.dot) : renderer.png(req.dot)
  work.then(
    (out) => { port.postMessage({ id: req.id, ok: true, out } satisfies RenderAnswer) },
    (err: Error) => { port.postMessage({ id: req.id, ok: false, message: err.message } satisfies RenderAnswer) }
  )
})

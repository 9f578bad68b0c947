/**
 * SVG and PNG: Graphviz compiled to WebAssembly (@viz-js/viz) lays out the DOT, resvg rasterises the
 * SVG, within a pixel budget. The wasm instance is created on first use and kept by the renderer. The
 * mapper runs this in a worker thread (image-pool.ts), never on its event loop.
 */
import { instance, type Viz } from '@viz-js/viz'
import { Resvg } from '@resvg/resvg-js'

export interface ImageRenderer {
  svg: (dot: string) => Promise<string>
  png: (dot: string) => Promise<Buffer>
}

/** Most pixels a PNG may have: zoom 2 is used up to it, less beyond (a 4096 x 4096 canvas is 64 MiB). */
export const MAX_PNG_PIXELS = 16_000_000

/** The zoom that keeps an SVG's canvas (its width and height in points) within MAX_PNG_PIXELS, at most 2. */
export function pngZoom (svg: string): number {
  const size = /<svg[^>]*?\swidth="([\d.]+)pt"[^>]*?\sheight="([\d.]+)pt"/.exec(svg)
  const area = size ? Number(size[1]) * Number(size[2]) : 0
  return area > 0 ? Math.min(2, Math.sqrt(MAX_PNG_PIXELS / area)) : 2
}

export function createImageRenderer (): ImageRenderer {
  let viz: Promise<Viz> | undefined
  const svg = async (dot: string): Promise<string> => {
    viz ??= instance()
    return (await viz).renderString(dot, { format: 'svg' })
  }
  return {
    svg,
    async png (dot) {
      const text = await svg(dot)
      const image = new Resvg(text, { background: 'white', font: { loadSystemFonts: true, fontDirs: ['/usr/share/fonts'], defaultFontFamily: 'DejaVu Sans' }, fitTo: { mode: 'zoom', value: pngZoom(text) } })
      return image.render().asPng()
    }
  }
}

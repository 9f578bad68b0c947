/**
 * SVG and PNG in-process: Graphviz compiled to WebAssembly (@viz-js/viz) lays out the DOT, resvg
 * rasterises the SVG. The wasm instance is created on first use and kept by the renderer.
 */
import { instance, type Viz } from '@viz-js/viz'
import { Resvg } from '@resvg/resvg-js'

export interface ImageRenderer {
  svg: (dot: string) => Promise<string>
  png: (dot: string) => Promise<Buffer>
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
      const image = new Resvg(await svg(dot), { background: 'white', font: { loadSystemFonts: true, fontDirs: ['/usr/share/fonts'], defaultFontFamily: 'DejaVu Sans' }, fitTo: { mode: 'zoom', value: 2 } })
      return image.render().asPng()
    }
  }
}

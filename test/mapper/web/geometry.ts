/** Geometry checks shared by the page's layout, route and label tests. */
import type { Layout } from '../../../mapper/web/layout.js'

export interface Rect { x: number, y: number, w: number, h: number }

export const overlap = (a: Rect, b: Rect): boolean => a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h

/** Pairs of rectangles that overlap, by name (a sweep over x, so large sets stay cheap). */
export function overlappingPairs (rects: Array<Rect & { name: string }>): string[] {
  const sorted = [...rects].sort((a, b) => a.x - b.x)
  const out: string[] = []
  for (let i = 0; i < sorted.length; i++) {
    const a = sorted[i] as Rect & { name: string }
    for (let j = i + 1; j < sorted.length; j++) {
      const b = sorted[j] as Rect & { name: string }
      if (b.x >= a.x + a.w) break
      if (overlap(a, b)) out.push(`${a.name} / ${b.name}`)
    }
  }
  return out
}

/** Boxes of the layout that are not inside the frame of their group, or inside another's frame. */
export function misgrouped (lay: Layout, groupOf: (key: string) => string | undefined): string[] {
  const out: string[] = []
  const inside = (b: Rect, f: Rect): boolean => b.x >= f.x && b.y >= f.y && b.x + b.w <= f.x + f.w && b.y + b.h <= f.y + f.h
  for (const b of lay.boxes.values()) {
    const g = groupOf(b.key)
    for (const f of lay.frameBoxes) {
      if (f.group === g && !inside(b, f)) out.push(`${b.key} outside ${f.group}`)
      if (f.group !== g && overlap(b, f)) out.push(`${b.key} inside ${f.group}`)
    }
  }
  return out
}

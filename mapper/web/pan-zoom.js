// Pan (drag the background) and zoom (wheel, the + / − / Fit buttons) of the graph's viewport.

/**
 * @param {SVGSVGElement} svg
 * @param {{ onBackgroundClick: () => void }} hooks
 */
export function createPanZoom (svg, hooks) {
  const view = { x: 0, y: 0, k: 1 }
  let size = { width: 0, height: 0 }
  let userMoved = false

  const apply = () => svg.querySelector('#viewport')?.setAttribute('transform', `translate(${view.x} ${view.y}) scale(${view.k})`)

  /** Shows the whole picture, as large as fits (never larger than 1.5x). */
  const fit = () => {
    const box = svg.getBoundingClientRect()
    if (size.width === 0 || box.width === 0) { Object.assign(view, { x: 0, y: 0, k: 1 }); apply(); return }
    const m = 24
    const k = Math.max(0.05, Math.min(1.5, (box.width - 2 * m) / size.width, (box.height - 2 * m) / size.height))
    Object.assign(view, { k, x: (box.width - size.width * k) / 2, y: (box.height - size.height * k) / 2 })
    apply()
  }

  const zoomAt = (/** @type {number} */ factor, /** @type {number} */ px, /** @type {number} */ py) => {
    const k = Math.min(4, Math.max(0.05, view.k * factor))
    Object.assign(view, { k, x: px - (px - view.x) * (k / view.k), y: py - (py - view.y) * (k / view.k) })
    userMoved = true
    apply()
  }

  svg.addEventListener('wheel', (ev) => {
    ev.preventDefault()
    const r = svg.getBoundingClientRect()
    zoomAt(Math.exp(-ev.deltaY * 0.0015), ev.clientX - r.left, ev.clientY - r.top)
  }, { passive: false })
  /** @type {{ x: number, y: number, vx: number, vy: number, moved: boolean } | undefined} */
  let drag
  svg.addEventListener('pointerdown', (ev) => {
    if (ev.button !== 0 || /** @type {Element} */ (ev.target).closest('.edge, .node, .group-title, [data-hit]')) return
    drag = { x: ev.clientX, y: ev.clientY, vx: view.x, vy: view.y, moved: false }
    svg.setPointerCapture(ev.pointerId)
    svg.classList.add('panning')
  })
  svg.addEventListener('pointermove', (ev) => {
    if (!drag) return
    const dx = ev.clientX - drag.x
    const dy = ev.clientY - drag.y
    if (Math.abs(dx) + Math.abs(dy) > 3) drag.moved = true
    if (!drag.moved) return
    Object.assign(view, { x: drag.vx + dx, y: drag.vy + dy })
    userMoved = true
    apply()
  })
  const end = () => {
    if (drag && !drag.moved) hooks.onBackgroundClick()
    drag = undefined
    svg.classList.remove('panning')
  }
  svg.addEventListener('pointerup', end)
  svg.addEventListener('pointercancel', end)
  window.addEventListener('resize', () => { if (!userMoved) fit() })

  /** Shows one part of the picture (e.g. a namespace just opened) as large as fits, at most 1.2x. */
  const fitRect = (/** @type {{ x: number, y: number, w: number, h: number }} */ r) => {
    const box = svg.getBoundingClientRect()
    if (box.width === 0 || r.w <= 0) return
    const m = 32
    const k = Math.max(0.05, Math.min(1.2, (box.width - 2 * m) / r.w, (box.height - 2 * m) / r.h))
    Object.assign(view, { k, x: box.width / 2 - (r.x + r.w / 2) * k, y: box.height / 2 - (r.y + r.h / 2) * k })
    userMoved = true
    apply()
  }

  const centre = () => { const r = svg.getBoundingClientRect(); return /** @type {[number, number]} */ ([r.width / 2, r.height / 2]) }
  return {
    view,
    zoomIn: () => zoomAt(1.25, ...centre()),
    zoomOut: () => zoomAt(0.8, ...centre()),
    /** Fit now and from now on (until the user pans or zooms). */
    refit: () => { userMoved = false; fit() },
    fitRect,
    /** A new picture of this size: fitted unless the user moved the view, which is kept. */
    show: (/** @type {{ width: number, height: number }} */ s) => { size = s; if (userMoved) apply(); else fit() }
  }
}

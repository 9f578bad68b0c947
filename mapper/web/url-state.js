// The view as a link (pure): the filters, the namespaces opened and the focused workload live in
// the page's query string, so a view can be shared. `namespace` and `since` are also the map API's
// own filters; `expand` lists opened namespaces; `focus` names a workload as kind/namespace/name.

/**
 * @typedef {{ namespace: string, since: string, expand: string[], focus: string }} ViewState
 */

/** @returns {ViewState} */
export function readView (/** @type {string} */ search) {
  const p = new URLSearchParams(search)
  const list = (/** @type {string} */ name) => [...new Set(p.getAll(name).flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean))].sort()
  return { namespace: p.get('namespace') ?? '', since: p.get('since') ?? '', expand: list('expand'), focus: p.get('focus') ?? '' }
}

/** The query string (without `?`) for a view: empty parts are left out, so the default view is ''. */
export function writeView (/** @type {ViewState} */ v) {
  const p = new URLSearchParams()
  if (v.namespace) p.set('namespace', v.namespace)
  if (v.since) p.set('since', v.since)
  if (v.expand.length) p.set('expand', [...new Set(v.expand)].sort().join(','))
  if (v.focus) p.set('focus', v.focus)
  return p.toString().replaceAll('%2C', ',').replaceAll('%2F', '/').replaceAll('%7E', '~')
}

/** The map API's filters of a view. */
export function mapQuery (/** @type {ViewState} */ v) {
  const p = new URLSearchParams()
  if (v.namespace) p.set('namespace', v.namespace)
  if (v.since) p.set('since', v.since)
  return p
}

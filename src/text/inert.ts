/**
 * Untrusted names made inert for every output a person reads: a terminal, a text table, DOT,
 * Mermaid, SVG, a YAML annotation. Names reach podmap from DNS responses and from annotations, so
 * they may hold terminal escapes (ESC[2J, BEL), newlines that forge table lines, NUL (which no XML
 * may hold), or bidi overrides and invisible characters that make one name look like another.
 *
 * Each such character is written as a visible escape (`\x1B`, `\u202E`): the text stays readable,
 * distinct names stay distinct, and nothing is interpreted. Printable text, including non-Latin
 * letters, passes unchanged.
 */

/**
 * Beyond the C0 controls: DEL and C1 controls, soft hyphen, the bidi marks, embeddings, overrides and
 * isolates, line and paragraph separators, zero-width and other invisible format characters.
 */
const FORMAT = '\\u007f-\\u009f\\u00ad\\u061c\\u180e\\u200b-\\u200f\\u2028-\\u202e\\u2060-\\u206f\\ufeff\\ufff9-\\ufffb'
const LONE_SURROGATE = '[\\ud800-\\udbff](?![\\udc00-\\udfff])|(?<![\\ud800-\\udbff])[\\udc00-\\udfff]'
/** Every character `inert` escapes: C0 controls, FORMAT, lone surrogate halves. */
const UNSAFE = new RegExp(`[\\u0000-\\u001f${FORMAT}]|${LONE_SURROGATE}`, 'g')
/** The same without C0 controls, which JSON and YAML escape themselves (and whose line breaks are structure there). */
const BEYOND_C0 = new RegExp(`[${FORMAT}]|${LONE_SURROGATE}`, 'g')
const UNSAFE_ANY = new RegExp(UNSAFE.source)

function escapeOne (ch: string): string {
  const code = ch.charCodeAt(0)
  return code <= 0xff ? `\\x${code.toString(16).toUpperCase().padStart(2, '0')}` : `\\u${code.toString(16).toUpperCase().padStart(4, '0')}`
}

/** Whether `text` holds a character `inert` would escape. */
export function hasUnsafe (text: string): boolean {
  return UNSAFE_ANY.test(text)
}

/** `text` with every control, bidi and invisible format character written as a visible escape. */
export function inert (text: string): string {
  return text.replace(UNSAFE, escapeOne)
}

/**
 * JSON text (as JSON.stringify writes it) with the characters JSON leaves raw — DEL, C1 controls,
 * bidi and invisible format characters, U+2028/2029 — written as `\uXXXX` escapes: the same value
 * for a parser, inert on a terminal. (JSON.stringify already escapes C0 controls and lone
 * surrogates, and these characters can only occur inside strings.)
 */
export function inertJson (json: string): string {
  return json.replace(BEYOND_C0, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`)
}

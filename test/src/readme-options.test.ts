/** The README stays true: every option of every component is documented there. */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { snifferOptions } from '../../sniffer/config.js'
import { mapperOptions } from '../../mapper/config.js'
import { clientOptions } from '../../cli/client-options.js'

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8')

for (const [component, specs] of Object.entries({ sniffer: snifferOptions, mapper: mapperOptions, cli: clientOptions })) {
  test(`README documents every ${component} option`, () => {
    const missing = Object.keys(specs).filter((name) => name !== 'help' && !readme.includes(`--${name}`))
    assert.deepEqual(missing, [], `options missing from README.md: ${missing.map((m) => `--${m}`).join(', ')}`)
  })
}

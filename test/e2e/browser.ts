/**
 * Headless Debian Chromium through playwright-core (no downloaded browser), for the web page's
 * browser tests: a fresh profile per launch, removed on close; script errors and CSP violations
 * collected (the tests assert there are none).
 */
import assert from 'node:assert/strict'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { chromium, type BrowserContext, type Page } from 'playwright-core'

export const CHROMIUM = '/usr/bin/chromium'

export interface Browser {
  context: BrowserContext
  page: Page
  /** Script errors and console errors (other than from URLs `ignore` matches), in order. */
  errors: string[]
  close: () => Promise<void>
}

export async function launchBrowser (opts: { viewport?: { width: number, height: number }, ignore?: RegExp } = {}): Promise<Browser> {
  assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing: run scripts/install-browser.sh (as root)`)
  const profile = mkdtempSync('/tmp/podmap-chromium-')
  try {
    const context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      viewport: opts.viewport ?? { width: 1280, height: 760 },
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
        '--disable-component-update', '--disable-sync']
    })
    const page = context.pages()[0] ?? await context.newPage()
    const errors: string[] = []
    page.on('pageerror', (err) => errors.push(`pageerror: ${err.message}`))
    page.on('console', (msg) => {
      if (msg.type() === 'error' && !(opts.ignore?.test(msg.location().url) ?? false)) errors.push(`console: ${msg.text()} (${msg.location().url})`)
    })
    return {
      context, page, errors,
      close: async () => { await context.close(); rmSync(profile, { recursive: true, force: true }) }
    }
  } catch (err) {
    rmSync(profile, { recursive: true, force: true })
    throw err
  }
}

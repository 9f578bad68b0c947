#!/usr/bin/env node
// The project's one version, kept in five places that must agree: package.json, package-lock.json,
// helm/podmap/Chart.yaml's version and appVersion (image tags default to appVersion:
// scripts/build-images.sh), and the first version heading of CHANGELOG.md.
//   node scripts/version.mjs check [vX.Y.Z]   every place agrees (and with the release tag, when
//                                             given: then CHANGELOG's section must carry a date)
//   node scripts/version.mjs set X.Y.Z        writes X.Y.Z everywhere, opening a CHANGELOG section
//                                             "X.Y.Z - unreleased" if there is none; then run
//                                             `npm run render:deploy` (deploy/ names the image tags)
// --root DIR works on another copy of the repository (the tests use it). Exit 1 lists every
// disagreement; exit 2 is bad usage.
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { parseArgs } from 'node:util'

const SEMVER = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-[0-9A-Za-z.-]+)?$/
const usage = 'usage: node scripts/version.mjs check [vX.Y.Z] | set X.Y.Z  [--root DIR]'
const { values: opts, positionals } = parseArgs({ allowPositionals: true, options: { root: { type: 'string' } } })
const root = opts.root ?? join(import.meta.dirname, '..')
const file = (p) => join(root, p)
const read = (p) => readFileSync(file(p), 'utf8')

/** Chart.yaml's top-level `key: value` (quotes removed). */
function chartField (text, key) {
  return new RegExp(`^${key}:[ \\t]*"?([^"\\n]*?)"?[ \\t]*$`, 'm').exec(text)?.[1]
}

/** CHANGELOG.md's first `## ` heading naming a version: { version, date | undefined }. */
function changelogTop (text) {
  const m = /^## \[?(\d+\.\d+\.\d+[^\]\s]*)\]?(?: - (\d{4}-\d{2}-\d{2}|unreleased))?\s*$/im.exec(text)
  return m ? { version: m[1], date: m[2] !== undefined && m[2].toLowerCase() !== 'unreleased' ? m[2] : undefined } : undefined
}

function versions () {
  const pkg = JSON.parse(read('package.json'))
  const lock = JSON.parse(read('package-lock.json'))
  const chart = read('helm/podmap/Chart.yaml')
  const top = changelogTop(read('CHANGELOG.md'))
  return {
    'package.json version': pkg.version,
    'package-lock.json version': lock.version,
    'package-lock.json packages[""].version': lock.packages?.['']?.version,
    'helm/podmap/Chart.yaml version': chartField(chart, 'version'),
    'helm/podmap/Chart.yaml appVersion': chartField(chart, 'appVersion'),
    'CHANGELOG.md first version heading': top?.version,
    changelogDate: top?.date
  }
}

function check (tag) {
  const { changelogDate, ...found } = versions()
  const expected = found['package.json version']
  const problems = []
  if (typeof expected !== 'string' || !SEMVER.test(expected)) problems.push(`package.json version ${String(expected)} is not X.Y.Z`)
  for (const [where, v] of Object.entries(found)) {
    if (v !== expected) problems.push(`${where} is ${v === undefined ? 'missing' : v}, not ${expected}`)
  }
  if (tag !== undefined) {
    if (tag !== `v${expected}`) problems.push(`release tag ${tag} is not v${expected}`)
    if (changelogDate === undefined) problems.push(`CHANGELOG.md's ${expected} section has no release date (## ${expected} - YYYY-MM-DD)`)
  }
  if (problems.length > 0) {
    console.error(`version: ${problems.length} disagreement(s):\n${problems.map((p) => `  - ${p}`).join('\n')}`)
    process.exit(1)
  }
  console.log(`version: ${expected} everywhere${tag !== undefined ? ` (release ${tag}, ${changelogDate})` : ''}`)
}

function set (version) {
  if (!SEMVER.test(version)) { console.error(`version: ${version} is not X.Y.Z`); process.exit(2) }
  const pkg = JSON.parse(read('package.json'))
  pkg.version = version
  writeFileSync(file('package.json'), `${JSON.stringify(pkg, null, 2)}\n`)
  const lock = JSON.parse(read('package-lock.json'))
  lock.version = version
  if (lock.packages?.[''] !== undefined) lock.packages[''].version = version
  writeFileSync(file('package-lock.json'), `${JSON.stringify(lock, null, 2)}\n`)
  const chart = read('helm/podmap/Chart.yaml')
    .replace(/^version:.*$/m, `version: ${version}`)
    .replace(/^appVersion:.*$/m, `appVersion: "${version}"`)
  writeFileSync(file('helm/podmap/Chart.yaml'), chart)
  const log = read('CHANGELOG.md')
  if (changelogTop(log)?.version !== version) {
    const at = log.search(/^## /m)
    const section = `## ${version} - unreleased\n\n`
    writeFileSync(file('CHANGELOG.md'), at < 0 ? `${log.trimEnd()}\n\n${section}` : log.slice(0, at) + section + log.slice(at))
  }
  console.log(`version: set ${version} in package.json, package-lock.json, helm/podmap/Chart.yaml and CHANGELOG.md; now run npm run render:deploy`)
}

const [cmd, arg, extra] = positionals
if (cmd === 'check' && extra === undefined) check(arg)
else if (cmd === 'set' && arg !== undefined && extra === undefined) set(arg)
else { console.error(usage); process.exit(2) }

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { summariseCpu, type CpuProfile } from '../../bench/lib/cpu-profile-summary.js'

const exec = promisify(execFile)

test('cpu profile summary: a real --cpu-prof of a busy function and a sleep names that function first and counts the sleep as idle', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'podmap-cpuprof-'))
  try {
    const script = join(dir, 'busy.mjs')
    // About 300 ms of hashing in one named function, then 300 ms asleep.
    await writeFile(script, [
      "import { createHash } from 'node:crypto'",
      'function spinHashing (until) { let h = 0; while (Date.now() < until) { for (let i = 0; i < 2000; i++) h = (h * 31 + i) | 0; createHash("sha1").update(String(h)) } return h }',
      'spinHashing(Date.now() + 300)',
      'setTimeout(() => {}, 300)'
    ].join('\n'))
    await exec(process.execPath, ['--cpu-prof', '--cpu-prof-dir', dir, script], { timeout: 30_000 })
    const file = (await readdir(dir)).find((f) => f.endsWith('.cpuprofile'))
    assert.ok(file, 'node wrote a profile')
    const s = summariseCpu(JSON.parse(await readFile(join(dir, file), 'utf8')) as CpuProfile, 1000)
    assert.ok(s.sampledSeconds >= 0.4, `sampled ${s.sampledSeconds} s`)
    assert.ok(s.idlePercent >= 20 && s.idlePercent <= 80, `idle ${s.idlePercent} % of a run half asleep`)
    const first = s.byFunction[0]
    assert.ok(first !== undefined && first[0].startsWith('spinHashing ') && first[0].endsWith('busy.mjs:2'), JSON.stringify(s.byFunction.slice(0, 5)))
    assert.ok(first[1] > 30, `spinHashing's share of the busy time: ${first[1]} %`)
    const total = s.byFile.reduce((a, [, v]) => a + v, 0)
    assert.ok(total > 99 && total <= 100.5, `file shares add up to the busy time: ${total}`)
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
})

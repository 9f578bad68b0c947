// Helper for control-plane.test.ts: starts a control plane, prints its slot, folder and PIDs as
// JSON, and waits to be SIGKILLed. Exits on its own after 60 s so it can never linger.
import { claimRun } from '../owned-run.js'
import { startControlPlane } from './control-plane.js'

const run = claimRun('cp-crash')
await startControlPlane({ run })
process.stdout.write(JSON.stringify({ slot: run.slot, dir: run.dir, pids: run.state.pids }) + '\n')
setTimeout(() => { void run.stop().then(() => process.exit(3)) }, 60_000)

/**
 * The whole product on the older single-node testbed: the fake API server describing it, the real
 * mapper (`podmap mapper`, root namespace) and the real sniffer (`podmap sniffer`, node namespace),
 * talking over an uplink. Used only by test/reliability/sniffer-health-flood.test.ts, not yet moved
 * to the real control plane (test/e2e/stack.ts is the real one; see test/testbed/fake-apiserver.ts).
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createTestbed, type Testbed, type TestbedOptions } from '../testbed/testbed.js'
import { startFakeApiServer, type FakeApiServer } from '../testbed/fake-apiserver.js'
import type { Scenario } from '../testbed/scenario.js'
import { createUplink, removeUplink, type Uplink } from './uplink.js'
import { BIN, capture, endChild, httpOk, waitFor } from './stack.js'
import { freePort } from '../testbed/free-port.js'

export { waitFor }

export { BIN }

export interface Stack {
  tb: Testbed
  api: FakeApiServer
  mapperUrl: string
  snifferUrl: string
  token: string
  dir: string
  mapper: ChildProcess
  sniffer: ChildProcess
  logs: { mapper: string[], sniffer: string[] }
  /** Starts the mapper again (same state dir and port); `kill` says how the running one ends. */
  restartMapper: (kill?: 'SIGTERM' | 'SIGKILL') => Promise<void>
  /** SIGTERMs the sniffer (waits for its exit) and starts a new one the same way; resolves once it is healthy. */
  restartSniffer: () => Promise<void>
  stop: () => Promise<void>
}

export interface StackOptions {
  testbed?: TestbedOptions
  mapperArgs?: string[]
  snifferArgs?: string[]
}


export async function startStack (scenario: Scenario, opts: StackOptions = {}): Promise<Stack> {
  const dir = mkdtempSync('/tmp/podmap-stack-')
  const token = `tok-${Math.random().toString(36).slice(2)}`
  const tokenFile = join(dir, 'token')
  writeFileSync(tokenFile, token + '\n', { mode: 0o600 })
  const kubeconfig = join(dir, 'kubeconfig')
  const logs = { mapper: [] as string[], sniffer: [] as string[] }
  let tb: Testbed | undefined
  let api: FakeApiServer | undefined
  let uplink: Uplink | undefined
  let mapper: ChildProcess | undefined
  let sniffer: ChildProcess | undefined

  const stopChild = async (child: ChildProcess | undefined): Promise<void> => {
    if (!child || child.exitCode !== null || child.signalCode !== null) return
    await new Promise<void>((resolve) => {
      const t = setTimeout(() => { child.kill('SIGKILL') }, 5000)
      child.once('exit', () => { clearTimeout(t); resolve() })
      child.kill('SIGTERM')
    })
  }

  const stop = async (): Promise<void> => {
    await stopChild(sniffer)
    await stopChild(mapper)
    if (uplink) await removeUplink(uplink)
    await tb?.destroy()
    await api?.close()
    rmSync(dir, { recursive: true, force: true })
  }

  try {
    tb = await createTestbed(scenario, opts.testbed)
    api = await startFakeApiServer()
    api.load(tb.kubeObjects() as Parameters<FakeApiServer['load']>[0])
    await api.writeKubeconfig(kubeconfig)
    uplink = await createUplink(tb.nodeNs, tb.slot, tb.prefix)
    const mapperPort = await freePort(uplink.rootIp)
    const mapperUrl = `http://${uplink.rootIp}:${mapperPort}`
    const startMapper = async (): Promise<ChildProcess> => {
      const child = spawn(process.execPath, [BIN, 'mapper',
        '--kubeconfig', kubeconfig, '--token-file', tokenFile,
        '--host', (uplink as Uplink).rootIp, '--port', String(mapperPort),
        '--state-dir', join(dir, 'state'),
        ...(opts.mapperArgs ?? [])], { stdio: ['ignore', 'pipe', 'pipe'] })
      capture(child, logs.mapper)
      await waitFor('the mapper to be ready', () => httpOk(`${mapperUrl}/readyz`), 60_000)
      return child
    }
    mapper = await startMapper()

    const snifferUrl = `http://${uplink.nodeIp}:9476`
    const startSniffer = async (): Promise<ChildProcess> => {
      const child = (tb as Testbed).spawn('node', [process.execPath, BIN, 'sniffer',
        '--mapper-url', mapperUrl, '--token-file', tokenFile,
        '--node-name', (tb as Testbed).nodeName, '--metrics-host', (uplink as Uplink).nodeIp, '--metrics-port', '9476',
        '--scan-interval', '500ms', '--report-interval', '1s',
        ...(opts.snifferArgs ?? [])])
      capture(child, logs.sniffer)
      sniffer = child // stop() ends it even if it never gets healthy
      await waitFor('the sniffer to be healthy', () => httpOk(`${snifferUrl}/healthz`), 30_000)
      return child
    }
    sniffer = await startSniffer()

    const stack: Stack = {
      tb, api, mapperUrl, snifferUrl, token, dir, mapper, sniffer, logs, stop,
      restartMapper: async (kill = 'SIGTERM') => {
        await endChild(mapper, kill)
        mapper = await startMapper()
        stack.mapper = mapper
      },
      restartSniffer: async () => {
        await stopChild(sniffer)
        sniffer = await startSniffer()
        stack.sniffer = sniffer
      }
    }
    return stack
  } catch (err) {
    const tail = (l: string[]): string => l.slice(-30).join('\n')
    await stop()
    throw new Error(`${(err as Error).message}\n--- mapper log ---\n${tail(logs.mapper)}\n--- sniffer log ---\n${tail(logs.sniffer)}`, { cause: err })
  }
}

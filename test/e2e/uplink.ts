/**
 * A point-to-point link between the machine's root namespace (where the mapper and the fake API
 * server run, as they would on the control plane) and a testbed's node namespace (where the sniffer
 * runs). Link-local /30 per testbed slot, no other routes: the node namespace still reaches nothing
 * outside the testbed but the mapper. Deleting the node namespace deletes the link.
 */
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'

const run = promisify(execFile)

export interface Uplink { rootIp: string, nodeIp: string, rootDev: string }

export async function createUplink (nodeNs: string, slot: number, tag: string): Promise<Uplink> {
  const rootDev = `${tag}up`.slice(0, 15)
  const nodeDev = 'uplink0'
  const rootIp = `169.254.${200 + slot}.1`
  const nodeIp = `169.254.${200 + slot}.2`
  await run('ip', ['link', 'add', rootDev, 'type', 'veth', 'peer', 'name', nodeDev, 'netns', nodeNs])
  await run('ip', ['addr', 'add', `${rootIp}/30`, 'dev', rootDev])
  await run('ip', ['link', 'set', rootDev, 'up'])
  await run('ip', ['-n', nodeNs, 'addr', 'add', `${nodeIp}/30`, 'dev', nodeDev])
  await run('ip', ['-n', nodeNs, 'link', 'set', nodeDev, 'up'])
  return { rootIp, nodeIp, rootDev }
}

export async function removeUplink (uplink: Uplink): Promise<void> {
  await run('ip', ['link', 'del', uplink.rootDev]).catch(() => undefined)
}

import { mkdir, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { z } from 'zod'
import { exportFormatSchema, kubeListSchema, type KubeObjectOut } from '../../src/contract/export.js'
import { mapResponseSchema } from '../../src/contract/map.js'
import { clientOptions } from '../client-options.js'
import { connect } from '../connect.js'
import { parseClientArgs } from '../parse-client-args.js'
import type { Command } from '../dispatch.js'
import { jsonOut, yamlOut } from '../inert-output.js'

const exportOptions = {
  ...clientOptions,
  format: { schema: exportFormatSchema, help: 'intents (Otterize ClientIntents), networkpolicy, cilium, or json (the map)' },
  namespace: { schema: z.string().optional(), help: 'only calls from or to these namespaces (comma-separated)', short: 'n' },
  'label-selector': { schema: z.string().optional(), help: 'only calls whose client or server pods match', short: 'l' },
  since: { schema: z.string().optional(), help: 'calls seen since an RFC 3339 time or a duration ago (24h)' },
  until: { schema: z.string().optional(), help: 'calls seen until an RFC 3339 time or a duration ago' },
  output: { schema: z.string().optional(), help: 'a file (YAML, or JSON if it ends in .json), or a directory (ending in / or existing): one file per object', short: 'o' },
  'include-nodes': { schema: z.boolean().default(false), help: 'allow calls made by nodes (kubelet probes, node daemons) in the policies; left out by default, as CNIs let a node reach its pods anyway', flag: true }
}

const yamlDocs = (objects: unknown[]): string => objects.map(yamlOut).join('---\n')

/** One part of a file name: lower case letters, digits, '.', '_' and '-', never a path or a dot file. */
export function fileNamePart (text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9._-]+/g, '-').replace(/^[.-]+/, '').slice(0, 100) || '_'
}

async function isDirectory (path: string): Promise<boolean> {
  if (path.endsWith('/')) return true
  return (await stat(path).catch(() => undefined))?.isDirectory() ?? false
}

export const exportCommand: Command = {
  summary: 'export the map as policies',
  async run (argv) {
    const config = parseClientArgs('export', exportOptions, argv)
    if (!config) return 0
    const client = await connect(config)
    const query = { format: config.format, output: 'json', nodes: config.includeNodes ? 'include' : 'omit', namespace: config.namespace, labelSelector: config.labelSelector, since: config.since, until: config.until }
    let objects: KubeObjectOut[] | undefined
    let map: unknown
    if (config.format === 'json') map = await client.get('/api/v1/export', mapResponseSchema, query)
    else objects = (await client.get('/api/v1/export', kubeListSchema, query)).items
    const out = config.output
    if (out === undefined) {
      process.stdout.write(objects ? yamlDocs(objects) : jsonOut(map))
      return 0
    }
    if (await isDirectory(out)) {
      await mkdir(out, { recursive: true })
      const files: string[] = []
      if (objects) {
        for (const o of objects) {
          const file = join(out, `${fileNamePart(o.metadata.namespace ?? 'cluster')}-${fileNamePart(o.kind)}-${fileNamePart(o.metadata.name)}.yaml`)
          await writeFile(file, yamlOut(o))
          files.push(file)
        }
      } else {
        const file = join(out, 'map.json')
        await writeFile(file, jsonOut(map))
        files.push(file)
      }
      process.stderr.write(`wrote ${files.length} file(s) to ${out}\n`)
      return 0
    }
    const json = out.endsWith('.json')
    const body = objects
      ? (json ? jsonOut({ apiVersion: 'v1', kind: 'List', items: objects }) : yamlDocs(objects))
      : (json ? jsonOut(map) : yamlOut(map))
    await writeFile(out, body)
    process.stderr.write(`wrote ${objects ? `${objects.length} object(s)` : 'the map'} to ${out}\n`)
    return 0
  }
}

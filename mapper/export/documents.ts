/** Kubernetes objects as multi-document YAML or a JSON `List`. */
import { stringify } from 'yaml'
import type { KubeList, KubeObjectOut } from '../../src/contract/export.js'

export function toYamlDocuments (objects: unknown[]): string {
  return objects.map((o) => stringify(o, { lineWidth: 0 })).join('---\n')
}

export function toList (objects: KubeObjectOut[]): KubeList {
  return { apiVersion: 'v1', kind: 'List', items: objects }
}

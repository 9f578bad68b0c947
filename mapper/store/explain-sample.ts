/**
 * What produced an edge, kept as bounded samples: the DNS names the client used, the Services the
 * calls went through, the nodes whose sniffers reported them. At most EXPLAIN_SAMPLE_LIMIT distinct
 * values of each, first come first kept; observations of any other value are counted, not kept.
 */
import { EXPLAIN_SAMPLE_LIMIT } from '../../src/contract/explain.js'

export class Sample {
  values: string[] = []
  dropped = 0

  add (value: string | undefined): void {
    if (value === undefined || this.values.includes(value)) return
    if (this.values.length < EXPLAIN_SAMPLE_LIMIT) this.values.push(value)
    else this.dropped++
  }

  merge (other: Sample | undefined): void {
    if (!other) return
    for (const v of other.values) this.add(v)
    this.dropped += other.dropped
  }

  toJSON (): [string[], number] { return [this.values, this.dropped] }

  static from (saved: [string[], number] | undefined): Sample {
    const s = new Sample()
    if (saved) { s.values = saved[0].slice(0, EXPLAIN_SAMPLE_LIMIT); s.dropped = saved[1] }
    return s
  }
}

export interface ExplainSamples { dnsNames: Sample, services: Sample, nodes: Sample }

export const newSamples = (): ExplainSamples => ({ dnsNames: new Sample(), services: new Sample(), nodes: new Sample() })

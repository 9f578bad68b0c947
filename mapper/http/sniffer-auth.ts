/**
 * Who sent a report. Two ways, either or both enabled (--sniffer-auth):
 *
 * - `serviceaccount` (the chart's default): the sniffer presents its projected ServiceAccount token
 *   (audience `podmap`, short-lived, rotated by the kubelet, bound to the sniffer's pod). The mapper
 *   asks the API server (TokenReview) whether it is valid, that it belongs to the sniffers'
 *   ServiceAccount, and which node the pod it is bound to runs on. That node — not the name in the
 *   report — is the report's node. Answers are cached briefly by token hash (bounded).
 * - `token`: the shared token from --token-file, for clusters that cannot do the above. The node is
 *   then the one the report names: it proves nothing, and README says so.
 */
import { createHash } from 'node:crypto'
import { AuthenticationV1Api, type KubeConfig, type V1TokenReview } from '@kubernetes/client-node'

export interface SnifferIdentity {
  /** The node the sniffer proved it runs on; undefined for the shared token (the report's claim stands). */
  node?: string
  via: 'serviceaccount' | 'token'
}

export interface TokenReviewer {
  /** The TokenReview status for `token`, or throws when the API server cannot answer. */
  review: (token: string) => Promise<V1TokenReview['status']>
}

export interface SnifferAuthOptions {
  /** The shared token's check; undefined when only ServiceAccount tokens are accepted. */
  checkSharedToken?: (authorization: string | undefined) => boolean
  serviceAccount?: {
    reviewer: TokenReviewer
    /** `namespace/name` of the sniffers' ServiceAccount. */
    name: string
    audience: string
    /** How long an answer is reused (default 60 s). */
    cacheTtlMs?: number
    /** Most cached answers (default 10,000: one per node and token rotation). */
    cacheMax?: number
  }
  now?: () => number
  /** Told why a token was refused (for a counter and a debug log; never the token). */
  onRefused?: (reason: string) => void
}

export type SnifferAuth = (authorization: string | undefined) => Promise<SnifferIdentity | undefined>

const NODE_NAME = 'authentication.kubernetes.io/node-name'

export function tokenReviewer (kc: KubeConfig, audience: string): TokenReviewer {
  const api = kc.makeApiClient(AuthenticationV1Api)
  return {
    async review (token) {
      const r = await api.createTokenReview({ body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token, audiences: [audience] } } })
      return r.status
    }
  }
}

export function createSnifferAuth (o: SnifferAuthOptions): SnifferAuth {
  const now = o.now ?? Date.now
  const cache = new Map<string, { at: number, identity: SnifferIdentity | undefined }>()
  const sa = o.serviceAccount
  const ttl = sa?.cacheTtlMs ?? 60_000
  const max = sa?.cacheMax ?? 10_000
  const [saNamespace, saName] = (sa?.name ?? '/').split('/')
  const username = `system:serviceaccount:${saNamespace ?? ''}:${saName ?? ''}`

  const review = async (token: string): Promise<SnifferIdentity | undefined> => {
    if (!sa) return undefined
    const key = createHash('sha256').update(token).digest('base64')
    const hit = cache.get(key)
    const t = now()
    if (hit && t - hit.at < ttl) return hit.identity
    const status = await sa.reviewer.review(token)
    let identity: SnifferIdentity | undefined
    if (status?.authenticated !== true) o.onRefused?.('invalid')
    else if (status.user?.username !== username) o.onRefused?.('wrong-serviceaccount')
    else if (status.audiences !== undefined && !status.audiences.includes(sa.audience)) o.onRefused?.('wrong-audience')
    else {
      const node = status.user.extra?.[NODE_NAME]?.[0]
      if (node === undefined || node === '') o.onRefused?.('no-pod-binding')
      else identity = { node, via: 'serviceaccount' }
    }
    if (cache.size >= max) { const oldest = cache.keys().next().value; if (oldest !== undefined) cache.delete(oldest) }
    cache.set(key, { at: t, identity })
    return identity
  }

  return async (authorization) => {
    if (o.checkSharedToken?.(authorization) === true) return { via: 'token' }
    if (!authorization?.startsWith('Bearer ')) return undefined
    const token = authorization.slice(7).trim()
    // A ServiceAccount token is a JWT: three dot-separated parts. Anything else is not worth asking about.
    if (!sa || token.split('.').length !== 3 || token.length > 16_384) return undefined
    return await review(token)
  }
}

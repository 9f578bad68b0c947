import { createHash, timingSafeEqual } from 'node:crypto'

/**
 * Bearer-token check in constant time: both sides are hashed first so the comparison does not leak
 * the token's length either.
 */
export function createTokenCheck (token: string): (authorization: string | undefined) => boolean {
  const expected = createHash('sha256').update(token).digest()
  return (authorization) => {
    if (!authorization || !authorization.startsWith('Bearer ')) return false
    const given = createHash('sha256').update(authorization.slice(7).trim()).digest()
    return timingSafeEqual(given, expected)
  }
}

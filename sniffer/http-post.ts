/**
 * POST a body and read the answer, over node:http (or node:https for an https URL).
 *
 * Not fetch: the first fetch() loads undici, ~13 MB of resident memory (7.7 anon, 5.4 file) in a
 * process whose budget is 60 MB (BENCHMARKS.md); node:http is already loaded by the health server.
 */
import { request as httpRequest, type IncomingMessage, type RequestOptions, type ClientRequest } from 'node:http'

export interface PostResult { status: number, text: string }
export type PostJson = (url: URL, body: string, headers: Record<string, string>, timeoutMs: number) => Promise<PostResult>

/** Answers beyond this are cut (an error body is logged, never parsed). */
const MAX_ANSWER_BYTES = 64 * 1024

export const postJson: PostJson = async (url, body, headers, timeoutMs) => {
  const request: (url: URL, options: RequestOptions, callback: (res: IncomingMessage) => void) => ClientRequest =
    url.protocol === 'https:' ? (await import('node:https')).request : httpRequest
  return await new Promise<PostResult>((resolve, reject) => {
    const req = request(url, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) }
    }, (res) => {
      let text = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => { if (text.length < MAX_ANSWER_BYTES) text += chunk })
      res.on('end', () => { resolve({ status: res.statusCode ?? 0, text: text.slice(0, MAX_ANSWER_BYTES) }) })
      res.on('error', reject)
    })
    // One deadline for the whole exchange, as AbortSignal.timeout gave fetch.
    const timer = setTimeout(() => { req.destroy(new Error(`no answer within ${timeoutMs} ms`)) }, timeoutMs)
    req.on('close', () => clearTimeout(timer))
    req.on('error', reject)
    req.end(body)
  })
}

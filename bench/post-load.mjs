// Load client for the ingest bench (its own process, so the server keeps its core): posts the
// bodies of a JSON-lines file round-robin with `concurrency` requests in flight, for `seconds`
// (bounded also by `maxPosts`), then prints one JSON line: posts, errors, seconds.
// Usage: node post-load.mjs URL TOKEN BODIES_FILE SECONDS CONCURRENCY MAX_POSTS
import { readFileSync } from 'node:fs'
import { request, Agent } from 'node:http'

const [url, token, file, seconds, concurrency, maxPosts] = process.argv.slice(2)
const bodies = readFileSync(file, 'utf8').split('\n').filter((l) => l.length > 0).map((l) => Buffer.from(l))
const target = new URL(url)
const agent = new Agent({ keepAlive: true, maxSockets: Number(concurrency) })
const deadline = Date.now() + Number(seconds) * 1000
const limit = Number(maxPosts)
let posts = 0
let errors = 0
let next = 0
const started = Date.now()

function post (body) {
  return new Promise((resolve) => {
    const req = request({ host: target.hostname, port: target.port, path: target.pathname, method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': body.length, authorization: `Bearer ${token}` } }, (res) => {
      res.resume()
      res.on('end', () => { if (res.statusCode !== 200) errors++; resolve() })
    })
    req.on('error', () => { errors++; resolve() })
    req.end(body)
  })
}

async function worker () {
  while (Date.now() < deadline && posts < limit) {
    posts++
    await post(bodies[next++ % bodies.length])
  }
}

await Promise.all(Array.from({ length: Number(concurrency) }, worker))
agent.destroy()
process.stdout.write(JSON.stringify({ posts, errors, seconds: (Date.now() - started) / 1000 }) + '\n')

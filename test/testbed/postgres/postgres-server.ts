/**
 * startPostgres: a real PostgreSQL server from Debian's packages (POSTGRES_MAJOR in
 * scripts/lib-versions.sh, installed by `npm run setup`), started by the test itself: its own data
 * directory (initdb) under /tmp, a free loopback port, password authentication over TCP, run as the
 * unprivileged `postgres` user when the tests run as root. `stop()` (or the test process's exit) ends
 * it and removes the directory. A server that cannot start fails the test saying why; nothing skips.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { chmodSync, chownSync, closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { randomBytes } from 'node:crypto'
import { join } from 'node:path'
import pg from 'pg'
import { freePort } from '../free-port.js'

export interface PostgresServer {
  port: number
  /** A new, empty database, and the connection string for it (user and password included). */
  createDatabase: (name: string) => Promise<string>
  /** Stops the server (fast shutdown: connections are cut) and starts it again on the same port. */
  restart: (downMs?: number) => Promise<void>
  /** The server's log, last lines. */
  logTail: (lines?: number) => string
  stop: () => Promise<void>
}

const major = (): string => {
  const text = readFileSync(new URL('../../../scripts/lib-versions.sh', import.meta.url), 'utf8')
  const m = /^POSTGRES_MAJOR=(\d+)/m.exec(text)
  if (!m?.[1]) throw new Error('scripts/lib-versions.sh has no POSTGRES_MAJOR')
  return m[1]
}

const live = new Set<() => void>()
let exitHook = false

/** The uid/gid to run as: `postgres` when root (initdb refuses root), else the current user. */
function runAs (): { uid: number, gid: number, wrap: string[] } {
  if (process.getuid?.() !== 0) return { uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0, wrap: [] }
  const id = (flag: string): number => {
    const r = spawnSync('id', [flag, 'postgres'], { encoding: 'utf8' })
    if (r.status !== 0) throw new Error('PostgreSQL tests run as root need the unprivileged user `postgres` (created by Debian\'s postgresql package): run npm run setup')
    return Number(r.stdout.trim())
  }
  const uid = id('-u')
  const gid = id('-g')
  return { uid, gid, wrap: ['setpriv', `--reuid=${uid}`, `--regid=${gid}`, '--clear-groups', '--pdeathsig', 'KILL', '--'] }
}

export async function startPostgres (opts: { fsync?: boolean } = {}): Promise<PostgresServer> {
  const bin = `/usr/lib/postgresql/${major()}/bin`
  if (!existsSync(join(bin, 'initdb')) || !existsSync(join(bin, 'postgres'))) {
    throw new Error(`PostgreSQL ${major()} is not installed (${bin}/initdb, ${bin}/postgres): run npm run setup`)
  }
  const user = runAs()
  const dir = mkdtempSync('/tmp/podmap-pg-')
  const data = join(dir, 'data')
  const password = randomBytes(12).toString('hex')
  const pwfile = join(dir, 'pw')
  writeFileSync(pwfile, password + '\n')
  if (process.getuid?.() === 0) { chownSync(dir, user.uid, user.gid); chownSync(pwfile, user.uid, user.gid) }
  chmodSync(dir, 0o700)
  const cleanupSync = (): void => { rmSync(dir, { recursive: true, force: true }) }
  const init = spawnSync(user.wrap[0] ?? join(bin, 'initdb'), [...user.wrap.slice(1), ...(user.wrap.length > 0 ? [join(bin, 'initdb')] : []),
    '-D', data, '-U', 'podmap', `--pwfile=${pwfile}`, '--auth-local=trust', '--auth-host=scram-sha-256', '-E', 'UTF8', '--locale=C.UTF-8', '--no-sync'], { encoding: 'utf8' })
  if (init.status !== 0) {
    cleanupSync()
    throw new Error(`initdb failed (exit ${init.status}${init.error ? `, ${init.error.message}` : ''}):\n${init.stdout}\n${init.stderr}`)
  }
  const port = await freePort()
  const logPath = join(dir, 'postgres.log')
  let proc: ChildProcess | undefined

  const logTail = (lines = 30): string => { try { return readFileSync(logPath, 'utf8').split('\n').slice(-lines).join('\n') } catch { return '' } }
  const start = async (): Promise<void> => {
    const args = ['-D', data, '-p', String(port), '-k', dir, '-c', 'listen_addresses=127.0.0.1', '-c', `fsync=${opts.fsync === false ? 'off' : 'on'}`,
      '-c', 'max_connections=200', '-c', 'shared_buffers=64MB', '-c', `logging_collector=off`]
    const cmd = user.wrap.length > 0 ? user.wrap : ['setpriv', '--pdeathsig', 'KILL', '--']
    const fd = openSync(logPath, 'a')
    if (process.getuid?.() === 0) chownSync(logPath, user.uid, user.gid)
    proc = spawn(cmd[0] as string, [...cmd.slice(1), join(bin, 'postgres'), ...args], { stdio: ['ignore', fd, fd] })
    closeSync(fd)
    const deadline = Date.now() + 60_000
    for (;;) {
      if (proc.exitCode !== null || proc.signalCode !== null) throw new Error(`postgres exited while starting (port ${port}):\n${logTail()}`)
      const c = new pg.Client({ host: '127.0.0.1', port, user: 'podmap', password, database: 'postgres', connectionTimeoutMillis: 2000 })
      const ok = await c.connect().then(() => true, () => false)
      await c.end().catch(() => {})
      if (ok) return
      if (Date.now() > deadline) throw new Error(`postgres did not accept connections within 60 s (port ${port}):\n${logTail()}`)
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
  }
  const halt = async (): Promise<void> => {
    const p = proc
    if (!p || p.exitCode !== null || p.signalCode !== null) return
    await new Promise<void>((resolve) => {
      const t = setTimeout(() => { p.kill('SIGKILL') }, 20_000)
      p.once('exit', () => { clearTimeout(t); resolve() })
      p.kill('SIGINT') // fast shutdown: open sessions are cut, as a restarted server does
    })
  }
  const killSync = (): void => {
    if (proc?.pid !== undefined && proc.exitCode === null && proc.signalCode === null) { try { process.kill(proc.pid, 'SIGKILL') } catch { /* gone */ } }
    cleanupSync()
  }
  live.add(killSync)
  if (!exitHook) { exitHook = true; process.on('exit', () => { for (const k of live) k() }) }

  try { await start() } catch (err) { killSync(); live.delete(killSync); throw err }

  return {
    port,
    createDatabase: async (name) => {
      const c = new pg.Client({ host: '127.0.0.1', port, user: 'podmap', password, database: 'postgres' })
      await c.connect()
      try { await c.query(`CREATE DATABASE "${name.replace(/"/g, '')}"`) } finally { await c.end() }
      return `postgresql://podmap:${password}@127.0.0.1:${port}/${encodeURIComponent(name)}`
    },
    restart: async (downMs = 0) => {
      await halt()
      if (downMs > 0) await new Promise((resolve) => setTimeout(resolve, downMs))
      await start()
    },
    logTail,
    stop: async () => {
      await halt()
      live.delete(killSync)
      cleanupSync()
    }
  }
}

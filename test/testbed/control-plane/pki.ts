/**
 * The control plane's certificates, made with Debian's `openssl` (Node's crypto makes keys but not
 * X.509 certificates): one CA, a P-256 key per identity, certificates valid for two days. The CA
 * also signs the nodes' kubelet credentials; the service-account key pair signs tokens. One
 * `openssl` shell script per call, so a whole set costs a few tens of milliseconds.
 */
import { execFile } from 'node:child_process'
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'

const run = promisify(execFile)

export interface CertSpec {
  /** File stem: <dir>/<name>.crt and <dir>/<name>.key. */
  name: string
  commonName: string
  organizations?: string[]
  /** IP addresses and DNS names for a serving certificate. */
  ips?: string[]
  dns?: string[]
  usage: 'client' | 'server' | 'both'
}

export interface CertFiles { cert: string, key: string }

const quote = (s: string): string => `'${s.replaceAll("'", "'\\''")}'`

function subject (spec: CertSpec): string {
  return [...(spec.organizations ?? []).map((o) => `/O=${o}`), `/CN=${spec.commonName}`].join('')
}

function extensions (spec: CertSpec): string[] {
  const usage = spec.usage === 'client' ? 'clientAuth' : spec.usage === 'server' ? 'serverAuth' : 'serverAuth,clientAuth'
  const san = [...(spec.ips ?? []).map((ip) => `IP:${ip}`), ...(spec.dns ?? []).map((d) => `DNS:${d}`)]
  return [
    'basicConstraints=critical,CA:FALSE',
    'keyUsage=critical,digitalSignature,keyEncipherment',
    `extendedKeyUsage=${usage}`,
    ...(san.length > 0 ? [`subjectAltName=${san.join(',')}`] : [])
  ]
}

const newKey = (file: string): string => `openssl ecparam -name prime256v1 -genkey -noout -out ${quote(file)}`

/** Creates <dir>/ca.{crt,key} when `withCa`, then a key and a CA-signed certificate per spec. */
export async function issueCertificates (dir: string, specs: CertSpec[], withCa = false): Promise<Map<string, CertFiles>> {
  mkdirSync(dir, { recursive: true })
  const ca = { cert: join(dir, 'ca.crt'), key: join(dir, 'ca.key') }
  const lines = ['set -e']
  if (withCa) {
    lines.push(newKey(ca.key),
      `openssl req -x509 -new -key ${quote(ca.key)} -subj /CN=podmap-testbed-ca -days 2 -out ${quote(ca.cert)} -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign,digitalSignature`)
  }
  const out = new Map<string, CertFiles>()
  for (const spec of specs) {
    const files = { cert: join(dir, `${spec.name}.crt`), key: join(dir, `${spec.name}.key`) }
    out.set(spec.name, files)
    lines.push(newKey(files.key), [
      `openssl req -x509 -new -key ${quote(files.key)} -subj ${quote(subject(spec))} -CA ${quote(ca.cert)} -CAkey ${quote(ca.key)}`,
      `-days 2 -out ${quote(files.cert)}`,
      ...extensions(spec).map((e) => `-addext ${quote(e)}`)
    ].join(' '))
  }
  try {
    await run('bash', ['-c', lines.join('\n')], { timeout: 30_000 })
  } catch (err) {
    throw new Error(`control plane: openssl could not issue certificates in ${dir}: ${(err as { stderr?: string }).stderr ?? (err as Error).message}`)
  }
  return out
}

/** The key pair that signs and verifies service-account tokens. */
export async function serviceAccountKeys (dir: string): Promise<{ key: string, pub: string }> {
  const key = join(dir, 'sa.key')
  const pub = join(dir, 'sa.pub')
  await run('bash', ['-c', `set -e\n${newKey(key)}\nopenssl ec -in ${quote(key)} -pubout -out ${quote(pub)} 2>/dev/null`], { timeout: 10_000 })
  return { key, pub }
}

/**
 * Why `npm audit` could not check, as RELIABILITY.md records it: the HTTP status and reason the
 * registry answered ("405 Method Not Allowed"), or npm's error code ("ENOTFOUND"); never the
 * request's URL or host.
 */
export interface AuditErrorReport {
  statusCode?: number
  message?: string
  code?: string
  error?: { code?: string, summary?: string } | null
}

export function auditFailureReason (report: AuditErrorReport, exitCode: number): string {
  if (typeof report.statusCode === 'number') {
    const reason = /^\d{3} ([A-Za-z][A-Za-z '-]*?)(?: - |$)/.exec(report.message ?? '')?.[1]
    return reason !== undefined ? `${report.statusCode} ${reason.trim()}` : `HTTP ${report.statusCode}`
  }
  const code = report.error?.code ?? report.code
  if (code !== undefined && /^[A-Z][A-Z0-9_]+$/.test(code)) return code
  return `npm audit exited ${exitCode} without a status`
}

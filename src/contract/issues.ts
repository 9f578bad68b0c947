import type { z } from 'zod'

/** One line per zod issue, naming the field: `sockets[3].port: Too big: expected number to be <=65535`. */
export function describeIssues (error: z.ZodError, root = 'body', max = 10): string {
  const lines = error.issues.slice(0, max).map((issue) => {
    let path = root
    for (const part of issue.path) path += typeof part === 'number' ? `[${part}]` : `.${String(part)}`
    return `${path}: ${issue.message}`
  })
  if (error.issues.length > max) lines.push(`... and ${error.issues.length - max} more`)
  return lines.join('; ')
}

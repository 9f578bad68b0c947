/**
 * The report contract's numbers, apart from its zod schemas (report.ts re-exports them): the
 * sniffer needs these at run time but only the types of the schemas, so its bundle carries no
 * schema code.
 *
 * Version 2 (this one) adds `clientPod` to socket records; version 1 reports (no clientPod) are
 * still accepted. A mapper refuses any other version with a 400 naming the versions it accepts.
 */
export const REPORT_VERSION = 2
export const SUPPORTED_REPORT_VERSIONS: readonly number[] = [1, 2]
export const MAX_RECORDS_PER_KIND = 20_000
/** Addresses a DNS record may carry; the sniffer keeps the first this many of a longer answer. */
export const MAX_ANSWERS_PER_RECORD = 64

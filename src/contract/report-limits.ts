/**
 * The report contract's numbers, apart from its zod schemas (report.ts re-exports them): the
 * sniffer needs these at run time but only the types of the schemas, so its bundle carries no
 * schema code.
 *
 * Version 3 (this one) adds `side` to socket records and allows `count: 0` (a record restated after
 * a mapper restart); version 2 added `clientPod`. Versions 1 and 2 are still accepted. A mapper
 * refuses any other version with a 400 naming the versions it accepts.
 */
export const REPORT_VERSION = 3
export const SUPPORTED_REPORT_VERSIONS: readonly number[] = [1, 2, 3]
export const MAX_RECORDS_PER_KIND = 20_000
/** Addresses a DNS record may carry; the sniffer keeps the first this many of a longer answer. */
export const MAX_ANSWERS_PER_RECORD = 64

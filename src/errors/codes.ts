import { createError } from './coded-error.js'

export const ConfigInvalid = createError('PODMAP_ERR_CONFIG', 'invalid configuration', 1)
export const Unauthorized = createError('PODMAP_ERR_UNAUTHORIZED', 'missing or invalid bearer token', 401)
export const BadRequest = createError('PODMAP_ERR_BAD_REQUEST', 'bad request', 400)
export const UnsupportedReportVersion = createError('PODMAP_ERR_REPORT_VERSION', 'unsupported report version', 400)
export const NotFound = createError('PODMAP_ERR_NOT_FOUND', 'not found', 404)
export const MapperUnreachable = createError('PODMAP_ERR_MAPPER_UNREACHABLE', 'mapper unreachable', 1)
/** Bad command-line usage: exit code 2, as CLI conventions expect. */
export const UsageError = createError('PODMAP_ERR_USAGE', 'bad usage', 2)

/**
 * Every podmap error, in one place (as fastify's lib/errors.js). HTTP errors carry the status the
 * mapper answers with; command errors carry their exit code (1 failure, 2 bad usage).
 */
import { createError } from './coded-error.js'

// Answered by the mapper's HTTP API.
export const BadRequest = createError({ code: 'PODMAP_ERR_BAD_REQUEST', message: 'bad request', status: 400 })
export const UnsupportedReportVersion = createError({ code: 'PODMAP_ERR_REPORT_VERSION', message: 'unsupported report version', status: 400 })
export const Unauthorized = createError({ code: 'PODMAP_ERR_UNAUTHORIZED', message: 'missing or invalid bearer token', status: 401 })
export const NotFound = createError({ code: 'PODMAP_ERR_NOT_FOUND', message: 'not found', status: 404 })
export const SnapshotLimit = createError({ code: 'PODMAP_ERR_SNAPSHOT_LIMIT', message: 'too many snapshots', status: 409 })
export const RequestTimeout = createError({ code: 'PODMAP_ERR_TIMEOUT', message: 'the request was not received in time', status: 408 })
export const BodyTooLarge = createError({ code: 'PODMAP_ERR_TOO_LARGE', message: 'request body too large', status: 413 })
export const GraphTooLarge = createError({ code: 'PODMAP_ERR_GRAPH_TOO_LARGE', message: 'the graph is too large to render', status: 422 })
export const RenderBusy = createError({ code: 'PODMAP_ERR_RENDER_BUSY', message: 'too many pictures are being rendered', status: 503 })
export const UnsupportedMediaType = createError({ code: 'PODMAP_ERR_MEDIA_TYPE', message: 'unsupported content type', status: 415 })
/** 503: the mapper cannot take more now (held reports at their cap); the sniffer keeps the batch and retries. */
export const MapperBusy = createError({ code: 'PODMAP_ERR_BUSY', message: 'the mapper cannot take more reports now', status: 503 })
/** 503: the map's database (the PostgreSQL store) cannot be reached; the sniffer keeps the batch and retries. */
export const StoreUnavailable = createError({ code: 'PODMAP_ERR_STORE_UNAVAILABLE', message: 'the map\'s database cannot be reached now: retry later', status: 503 })
/** 429: the sniffer's reporter keeps the batch and retries after Retry-After. */
export const TooManyReports = createError({ code: 'PODMAP_ERR_RATE_LIMITED', message: 'too many reports', status: 429 })

// End a process or a command.
export const ConfigInvalid = createError({ code: 'PODMAP_ERR_CONFIG', message: 'invalid configuration', exitCode: 1 })
/** Bad command-line usage: exit code 2, as CLI conventions expect. */
export const UsageError = createError({ code: 'PODMAP_ERR_USAGE', message: 'bad usage', exitCode: 2 })
export const CaptureFailed = createError({ code: 'PODMAP_ERR_CAPTURE', message: 'cannot capture DNS responses', exitCode: 1 })
export const MapperUnreachable = createError({ code: 'PODMAP_ERR_MAPPER_UNREACHABLE', message: 'cannot reach the mapper', exitCode: 1 })
export const MapperError = createError({ code: 'PODMAP_ERR_MAPPER', message: 'the mapper answered an error', exitCode: 1 })
export const PortForwardFailed = createError({ code: 'PODMAP_ERR_PORT_FORWARD', message: 'the port-forward failed', exitCode: 1 })
export const KubeconfigMissing = createError({ code: 'PODMAP_ERR_KUBECONFIG', message: 'no usable kubeconfig', exitCode: 1 })
export const KubeApiFailed = createError({ code: 'PODMAP_ERR_KUBE_API', message: 'the Kubernetes API failed', exitCode: 1 })
export const MapperNotFound = createError({ code: 'PODMAP_ERR_MAPPER_NOT_FOUND', message: 'no mapper found in the cluster', exitCode: 1 })

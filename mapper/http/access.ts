/**
 * Who may call a route is decided by the route, never by the URL text: every route declares
 * `config.access`, and one onRequest hook checks it on the route that matched (after the router has
 * decoded and normalised the path), before any body is read.
 *
 * - `open`: health, readiness, metrics, the web page's static files, the OpenAPI document.
 * - `read`: the map and everything derived from it; needs the read token when one is configured.
 * - `report`: a sniffer's report; needs a sniffer's credential (sniffer-auth.ts: its ServiceAccount
 *   token, or the shared token where allowed). Who sent it is kept on the request (`req.sniffer`).
 * - `admin`: changes to the stored map (snapshots, reset); needs the shared token.
 *
 * A route that declares no access fails at registration, so a new route cannot be served unchecked.
 */
import type { FastifyInstance, FastifyRequest, RouteOptions } from 'fastify'
import { MapperBusy, Unauthorized } from '../../src/errors/catalogue.js'
import { errorBodySchema } from '../../src/contract/error.js'
import type { SnifferAuth, SnifferIdentity } from './sniffer-auth.js'

export type Access = 'open' | 'read' | 'report' | 'admin'
export const ACCESS_LEVELS: readonly Access[] = ['open', 'read', 'report', 'admin']

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: Access
  }
  interface FastifyRequest {
    /** On `report` routes: the sniffer that sent the request, as it proved itself. */
    sniffer?: SnifferIdentity
  }
}

export interface AccessChecks {
  /** The shared token: admin changes (and sniffers' reports where --sniffer-auth allows it). */
  checkToken: (authorization: string | undefined) => boolean
  /** Who sent a report; undefined: not a sniffer. Throws when it cannot tell now (503). */
  snifferAuth: SnifferAuth
  /** The read token; when undefined, `read` routes are open. */
  checkReadToken?: (authorization: string | undefined) => boolean
  /** Counted when a report is refused for its token (podmap_mapper_reports_total{outcome="unauthorized"}). */
  onReportUnauthorized?: () => void
}

export interface RouteAccess { method: string, url: string, access: Access }

/**
 * Fails registration of any route without a valid `config.access`, and returns the list of every
 * route with its access as it is registered (for tests and documentation). Call before the routes.
 */
export function requireAccessDeclared (app: FastifyInstance): RouteAccess[] {
  const routes: RouteAccess[] = []
  app.addHook('onRoute', (route: RouteOptions) => {
    const access = (route.config as { access?: unknown } | undefined)?.access
    const methods = Array.isArray(route.method) ? route.method : [route.method]
    if (typeof access !== 'string' || !(ACCESS_LEVELS as readonly string[]).includes(access)) {
      throw new Error(`route ${methods.join(',')} ${route.url} declares no config.access (one of ${ACCESS_LEVELS.join(', ')})`)
    }
    for (const method of methods) routes.push({ method, url: route.url, access: access as Access })
    // The OpenAPI document says which token each route needs, and that a missing or wrong one is a 401.
    if (access !== 'open') {
      const response = { ...(route.schema?.response as Record<string, unknown> | undefined), 401: errorBodySchema }
      route.schema = { ...route.schema, response, security: [{ [access === 'read' ? 'readToken' : 'reportToken']: [] }] } as typeof route.schema
    }
  })
  return routes
}

/** The access a request needs, from the route that matched; undefined for no route (404). */
export function accessOf (req: FastifyRequest): Access | undefined {
  return req.routeOptions.config?.access
}

export function accessHook (checks: AccessChecks) {
  return async function onRequest (req: FastifyRequest): Promise<void> {
    const access = accessOf(req)
    switch (access) {
      case undefined:
      case 'open':
        return
      case 'read':
        if (checks.checkReadToken && !checks.checkReadToken(req.headers.authorization)) {
          throw Unauthorized('missing or invalid bearer token for the read API')
        }
        return
      case 'report': {
        let who: SnifferIdentity | undefined
        try {
          who = await checks.snifferAuth(req.headers.authorization)
        } catch (err) {
          req.log.warn({ err: (err as Error).message }, 'cannot review a sniffer token now')
          throw MapperBusy('cannot verify the sniffer\'s token with the Kubernetes API now: retry later')
        }
        if (!who) {
          checks.onReportUnauthorized?.()
          throw Unauthorized()
        }
        req.sniffer = who
        return
      }
      case 'admin':
        if (!checks.checkToken(req.headers.authorization)) throw Unauthorized()
    }
  }
}

import type { Context, MiddlewareHandler } from 'hono';
import { matchedRoutes } from 'hono/route';
import { pinoLogger } from 'hono-pino';
import type { Registry } from 'prom-client';
import type { Logger } from '../logging/logger.ts';
import { httpRequestDuration } from '../metrics/http-metrics.ts';

const MIDDLEWARE_PATHS = new Set(['*', '/*']);
// Scrapers and orchestrators call these every few seconds; at info they would bury every other line.
const PROBE_PATHS = new Set(['/health', '/metrics']);

/**
 * The route pattern that answered ('/api/rollbacks/:id'), never the raw path: one series per route, however many
 * ids are asked for. A request a middleware answered (a body over the limit) counts under the route it was headed
 * for, and one that matched no route under 'unmatched'.
 */
export function routeOf(c: Context): string {
  const routes = matchedRoutes(c);
  const answered = routes[c.req.routeIndex];
  if (answered && !MIDDLEWARE_PATHS.has(answered.path)) return answered.path;
  return routes.find((r) => !MIDDLEWARE_PATHS.has(r.path))?.path ?? 'unmatched';
}

/**
 * hono-pino makes each request's logger as a child of the given one with the given one's bindings() added again, so
 * every access-log line carried "name" and "component" twice: JSON with duplicate keys, which some log stores refuse.
 * It is handed the same logger reporting no bindings of its own; the child it makes still has them, once.
 */
function withoutOwnBindings(logger: Logger): Logger {
  return Object.assign(Object.create(logger) as Logger, { bindings: () => ({}) });
}

/**
 * The first middleware of an HTTP app: one access-log line per request through the process's logger (method, path,
 * route, status, time; no headers, so no token or authorization ever reaches the log) and the duration histogram.
 */
export function observeRequests(deps: { logger: Logger; metrics: Registry }): MiddlewareHandler[] {
  const duration = httpRequestDuration(deps.metrics);
  const accessLog = pinoLogger({
    pino: withoutOwnBindings(deps.logger.child({ component: 'http' })),
    http: {
      onReqBindings: (c) => ({ req: { method: c.req.method, url: c.req.path } }),
      onResBindings: (c) => ({ res: { status: c.res.status }, route: routeOf(c) }),
      onResLevel: (c) => (c.res.status >= 500 ? 'warn' : PROBE_PATHS.has(c.req.path) ? 'debug' : 'info'),
      onResMessage: () => 'request completed',
    },
  });
  const timing: MiddlewareHandler = async (c, next) => {
    const end = duration.startTimer();
    await next();
    end({ method: c.req.method, route: routeOf(c), status: String(c.res.status) });
  };
  return [accessLog, timing];
}

import { Hono } from 'hono';
import type { Registry } from 'prom-client';
import { checkDependencies, type HealthDeps } from '../http/dependency-health.ts';
import { observeRequests } from '../http/observe-requests.ts';
import type { Logger } from '../logging/logger.ts';

export interface OpsDeps extends HealthDeps {
  metrics: Registry;
  logger: Logger;
}

/**
 * The ops endpoint of a process that runs no API (a worker, a gateway): /metrics for Prometheus, and /health for a
 * container orchestrator, answering 503 when the process cannot reach PostgreSQL or Redis. Same answers as the API's.
 */
export function createOpsApp(deps: OpsDeps): Hono {
  const app = new Hono();
  app.use('*', ...observeRequests(deps));
  app.get('/metrics', async (c) => c.body(await deps.metrics.metrics(), 200, { 'content-type': deps.metrics.contentType }));
  app.get('/health', async (c) => {
    const health = await checkDependencies(deps);
    return c.json(health.body, health.status);
  });
  app.notFound((c) => c.json({ error: { code: 'NOT_FOUND', message: `no route for ${c.req.method} ${c.req.path}; this port serves /metrics and /health` } }, 404));
  return app;
}

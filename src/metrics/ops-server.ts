import { Hono } from 'hono';
import type { Registry } from 'prom-client';
import { observeRequests } from '../http/observe-requests.ts';
import type { Logger } from '../logging/logger.ts';

export interface OpsDeps {
  metrics: Registry;
  logger: Logger;
  pool: { query(sql: string): Promise<unknown> };
  redis: { ping(): Promise<unknown> };
}

type Reach = { ok: boolean; error?: string; latency_ms: number };

// A dependency that hangs (a black-holed Redis) must still give the probe an answer before the orchestrator's timeout.
const PROBE_TIMEOUT_MS = 2_000;

async function reach(check: () => Promise<unknown>): Promise<Reach> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${PROBE_TIMEOUT_MS} ms`)), PROBE_TIMEOUT_MS)));
  try {
    await Promise.race([check(), late]);
    return { ok: true, latency_ms: Math.round(performance.now() - started) };
  } catch (err) {
    return { ok: false, error: (err as Error).message.slice(0, 200), latency_ms: Math.round(performance.now() - started) };
  } finally {
    clearTimeout(timer);
  }
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
    const [database, redis] = await Promise.all([reach(() => deps.pool.query('select 1')), reach(() => deps.redis.ping())]);
    const ok = database.ok && redis.ok;
    return c.json({ status: ok ? 'ok' : 'degraded', database, redis }, ok ? 200 : 503);
  });
  app.notFound((c) => c.json({ error: { code: 'NOT_FOUND', message: `no route for ${c.req.method} ${c.req.path}; this port serves /metrics and /health` } }, 404));
  return app;
}

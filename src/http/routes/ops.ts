import { z } from 'zod';
import { buildOpenApi } from '../openapi.ts';
import { defineRoute } from '../route.ts';

const withTimeout = <T>(p: Promise<T>, ms: number) =>
  Promise.race([p, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms))]);

async function reach(check: () => Promise<unknown>): Promise<{ ok: boolean; error?: string; latency_ms: number }> {
  const started = performance.now();
  try {
    await withTimeout(check(), 2_000);
    return { ok: true, latency_ms: Math.round(performance.now() - started) };
  } catch (err) {
    return { ok: false, error: (err as Error).message.slice(0, 200), latency_ms: Math.round(performance.now() - started) };
  }
}

export const healthRoute = defineRoute({
  method: 'get',
  path: '/health',
  summary: 'Liveness and dependencies: is Postgres reachable, is Redis reachable',
  tag: 'operations',
  auth: 'public',
  async handler({ deps }) {
    const [database, redis] = await Promise.all([reach(() => deps.pool.query('select 1')), reach(() => deps.redis.ping())]);
    const ok = database.ok && redis.ok;
    return { status: ok ? 200 : 503, body: { status: ok ? 'ok' : 'degraded', database, redis } };
  },
});

export const metricsRoute = defineRoute({
  method: 'get',
  path: '/metrics',
  summary: 'Prometheus metrics',
  tag: 'operations',
  auth: 'public',
  async handler({ deps }) {
    return { status: 200, body: await deps.metrics.metrics(), contentType: deps.metrics.contentType };
  },
});

export const openApiRoute = defineRoute({
  method: 'get',
  path: '/api/openapi.json',
  summary: 'This API as an OpenAPI 3.1 document',
  tag: 'operations',
  auth: 'public',
  query: z.object({}),
  async handler() {
    return { status: 200, body: await buildOpenApi() };
  },
});

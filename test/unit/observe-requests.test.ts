import { Writable } from 'node:stream';
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { observeRequests } from '../../src/http/observe-requests.ts';
import { createLogger } from '../../src/logging/logger.ts';

function appWithObservation() {
  const lines: string[] = [];
  const destination = new Writable({ write: (chunk, _enc, cb) => (lines.push(chunk.toString()), cb()) });
  const metrics = new Registry();
  const app = new Hono();
  app.use('*', ...observeRequests({ logger: createLogger({ level: 'debug', destination }), metrics }));
  app.use('*', bodyLimit({ maxSize: 10, onError: (c) => c.json({ error: 'too large' }, 413) }));
  app.get('/api/rollbacks/history', (c) => c.json([]));
  app.get('/api/rollbacks/:id', (c) => c.json({ id: c.req.param('id') }));
  app.post('/api/rollbacks/:id/decide', async (c) => c.json(await c.req.json()));
  app.get('/boom', () => {
    throw new Error('boom');
  });
  app.onError((_err, c) => c.json({ error: 'internal' }, 500));
  return { app, metrics, records: () => lines.map((l) => JSON.parse(l) as Record<string, any>) };
}

const counts = async (metrics: Registry) =>
  ((await metrics.getSingleMetricAsString('backstop_http_request_duration_seconds')).match(/\S+_count\{.*\} \d+/g) ?? []).sort();

describe('request observation', () => {
  it('labels requests by route pattern, never by raw path, and by status', async () => {
    const { app, metrics } = appWithObservation();
    for (const id of ['a', 'b', 'c']) await app.request(`/api/rollbacks/${id}`);
    await app.request('/api/rollbacks/history');
    await app.request('/nowhere/at/all');
    await app.request('/api/rollbacks/a/decide', { method: 'POST', body: JSON.stringify({ far: 'more than ten bytes' }), headers: { 'content-type': 'application/json' } });
    await app.request('/boom');
    expect(await counts(metrics)).toEqual([
      'backstop_http_request_duration_seconds_count{method="GET",route="/api/rollbacks/:id",status="200"} 3',
      'backstop_http_request_duration_seconds_count{method="GET",route="/api/rollbacks/history",status="200"} 1',
      'backstop_http_request_duration_seconds_count{method="GET",route="/boom",status="500"} 1',
      'backstop_http_request_duration_seconds_count{method="GET",route="unmatched",status="404"} 1',
      // answered by the body limit, counted under the route it was headed for
      'backstop_http_request_duration_seconds_count{method="POST",route="/api/rollbacks/:id/decide",status="413"} 1',
    ]);
  });

  it('writes one access-log line per request, without headers or tokens', async () => {
    const { app, records } = appWithObservation();
    await app.request('/api/rollbacks/r1?cursor=x', { headers: { authorization: 'Bearer super-secret-token', cookie: 'session=also-secret' } });
    await app.request('/boom');
    const access = records().filter((r) => r.msg === 'request completed');
    expect(access).toHaveLength(2);
    expect(access[0]).toMatchObject({ level: 30, component: 'http', req: { method: 'GET', url: '/api/rollbacks/r1' }, res: { status: 200 }, route: '/api/rollbacks/:id' });
    expect(typeof access[0]!.responseTime).toBe('number');
    expect(access[1]).toMatchObject({ level: 40, res: { status: 500 }, route: '/boom' });
    expect(JSON.stringify(records())).not.toMatch(/super-secret-token|also-secret|authorization|cookie/i);
  });

  it('logs the probes that scrapers and orchestrators repeat at debug, not info', async () => {
    const { app, records } = appWithObservation();
    app.get('/health', (c) => c.json({ status: 'ok' }));
    await app.request('/health');
    expect(records().filter((r) => r.msg === 'request completed').map((r) => r.level)).toEqual([20]);
  });

  it('shares one histogram between the apps of a process', () => {
    const metrics = new Registry();
    const logger = createLogger({ level: 'silent' });
    observeRequests({ logger, metrics });
    expect(() => observeRequests({ logger, metrics })).not.toThrow();
    expect(metrics.getMetricsAsArray().map((m) => m.name)).toEqual(['backstop_http_request_duration_seconds']);
  });
});

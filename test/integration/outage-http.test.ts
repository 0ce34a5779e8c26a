import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.ts';
import { createAuthenticator } from '../../src/http/auth.ts';
import { createApp } from '../../src/http/app.ts';
import { parseEnv } from '../../src/main/env.ts';
import { createLogger } from '../../src/logging/logger.ts';
import { createAppDeps, type AppDeps } from '../../src/main/deps.ts';
import { createMetrics } from '../../src/metrics/registry.ts';
import { freePort } from '../support/processes.ts';
import { testPolicy, TOKENS } from '../support/harness.ts';

// Postgres cannot be stopped under the other test files, so this one points backstop at a port where nothing listens.
describe('HTTP while Postgres and Redis are unreachable', () => {
  let deps: AppDeps;
  let app: ReturnType<typeof createApp>;

  beforeAll(async () => {
    const dead = await freePort();
    const env = parseEnv({ DATABASE_URL: `postgres://postgres:hunter2@127.0.0.1:${dead}/none`, REDIS_URL: `redis://127.0.0.1:${dead}`, BACKSTOP_TOKEN_ALICE: TOKENS.alice });
    const config = parseConfig(testPolicy({ executorArgv: ['true'] }));
    if (!env.ok || !config.ok) throw new Error('setup');
    deps = createAppDeps({ env: env.env, config: config.config, logger: createLogger({ level: 'silent' }), baseEnv: {} });
    app = createApp({
      ...deps,
      authenticate: createAuthenticator(config.config, env.env.tokens),
      queue: deps.rollbackQueue.queue,
      redis: { ping: () => Promise.reject(new Error('connect ECONNREFUSED')) },
      metrics: createMetrics(null).registry,
      bodyLimit: 16_384,
    });
  });
  afterAll(async () => deps?.close());

  it('answers 503 with a clear message and no credentials', async () => {
    const res = await app.request('/auto-rollback', {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKENS.alice}`, 'content-type': 'application/json' },
      body: JSON.stringify({ deployment_id: '3f1c9a52-8d1e-4b7a-9c3e-2a6f0b1d4e5c', trigger_reason: 'db down' }),
    });
    expect(res.status).toBe(503);
    const body = await res.json();
    expect(body).toEqual({ error: { code: 'DATABASE_UNAVAILABLE', message: 'The database is unreachable; nothing was changed. Try again shortly.' } });
    expect(JSON.stringify(body)).not.toContain('hunter2');
  });

  it('reports both outages on /health', async () => {
    const res = await app.request('/health');
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({ status: 'degraded', database: { ok: false }, redis: { ok: false } });
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { createApp } from '../../src/http/app.ts';
import type { AppDeps } from '../../src/main/deps.ts';
import { TOKENS } from '../support/harness.ts';
import { createUnreachableApp } from '../support/unreachable-app.ts';

// Postgres cannot be stopped under the other test files, so this one points backstop at a port where nothing listens.
describe('HTTP while Postgres and Redis are unreachable', () => {
  let deps: AppDeps;
  let app: ReturnType<typeof createApp>;

  beforeAll(async () => {
    // A password in the URL, to show it never reaches an answer.
    ({ app, deps } = await createUnreachableApp({ env: { BACKSTOP_TOKEN_ALICE: TOKENS.alice }, databasePassword: 'hunter2' }));
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

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBackstop, testPolicy, type Backstop } from '../support/harness.ts';

// Regressions found by the fuzzer (test/faults/http-fuzz.test.ts), kept as plain cases.
describe('input boundaries', () => {
  let b: Backstop;
  beforeAll(async () => {
    b = await startBackstop({ policy: testPolicy({ executorArgv: ['true'] }), roles: { api: true, worker: false } });
  });
  afterAll(async () => b?.close());

  it.each([
    ['a text field', { service: 'payments', environment: 'staging', version: 'v1', git_commit: 'abc1234', git_branch: 'main\u0000' }, 'git_branch'],
    ['a metadata value', { service: 'payments', environment: 'staging', version: 'v1', git_commit: 'abc1234', metadata: { note: ['ok', 'x\u0000'] } }, 'metadata.note[1]'],
    ['a metadata key', { service: 'payments', environment: 'staging', version: 'v1', git_commit: 'abc1234', metadata: { 'k\u0000': 1 } }, 'metadata.k\u0000 (key)'],
  ])('refuses a NUL character in %s with a 400 naming the field (PostgreSQL cannot store it)', async (_name, body, path) => {
    const res = await b.api('POST', '/api/deployments', 'ci', body);
    expect(res.status).toBe(400);
    expect(res.body.error.message).toBe(`${path}: text must not contain NUL characters (\\u0000)`);
    const rows = await b.running.deps.pool.query('select count(*)::int as n from ops.deployments');
    expect(rows.rows[0].n).toBe(0);
  });

  it('refuses a health sample from the future or from before the retention, with a 400 naming observed_at, and stores nothing', async () => {
    const created = await b.api('POST', '/api/deployments', 'ci', { service: 'payments', environment: 'staging', version: 'v-clock', git_commit: 'abc1234' });
    const id = created.body.deployment_id as string;
    const push = (observed_at: string) => b.api('POST', `/api/deployments/${id}/health`, 'ci', { error_rate_per_minute: 0.1, observed_at });
    const samples = async () => (await b.running.deps.pool.query('select count(*)::int as n from ops.health_samples where deployment_id = $1', [id])).rows[0].n;

    const future = await push('9999-12-31T23:59:59Z');
    expect(future.status).toBe(400);
    expect(future.body.error.code).toBe('VALIDATION_FAILED');
    expect(future.body.error.message).toMatch(/^observed_at: 9999-12-31T23:59:59Z is in the future by more than the allowed clock skew of 2m \(monitoring\.max_clock_skew\)/);
    const ancient = await push('2001-01-01T00:00:00Z');
    expect(ancient.status).toBe(400);
    expect(ancient.body.error.message).toMatch(/^observed_at: 2001-01-01T00:00:00Z is older than 168h \(monitoring\.max_sample_age\)/);
    expect(await samples()).toBe(0);

    // A clock a little ahead (within the skew), and a recent past, are fine.
    expect((await push(new Date(Date.now() + 60_000).toISOString())).status).toBe(201);
    expect((await push(new Date(Date.now() - 60 * 60_000).toISOString())).status).toBe(201);
    expect(await samples()).toBe(2);
  });
});

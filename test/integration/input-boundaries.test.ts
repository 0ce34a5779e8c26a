import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBackstop, testPolicy, TOKENS, type Backstop } from '../support/harness.ts';

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

  describe('a mistake a user can make gets a 400 naming the field, and nothing is written', () => {
    const count = async (table: string) => (await b.running.deps.pool.query(`select count(*)::int as n from ops.${table}`)).rows[0].n as number;
    const post = async (path: string, raw: string) => {
      const res = await fetch(`${b.url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${TOKENS.ci}`, 'content-type': 'application/json' }, body: raw });
      return { status: res.status, body: (await res.json()) as { error: { code: string; message: string; details?: { path: string; message: string }[] } } };
    };
    const deployment = async (version: string) =>
      (await b.api('POST', '/api/deployments', 'ci', { service: 'payments', environment: 'staging', version, git_commit: 'abc1234' })).body.deployment_id as string;
    const refused = (res: { status: number; body: { error: { code: string; message: string; details?: { path: string }[] } } }, path: string) => {
      expect(res.status, JSON.stringify(res.body)).toBe(400);
      expect(res.body.error.code).toBe('VALIDATION_FAILED');
      expect(res.body.error.message.startsWith(`${path}: `), res.body.error.message).toBe(true);
      expect(res.body.error.details?.[0]?.path).toBe(path);
    };

    // The integer columns are PostgreSQL int4: a count past 2^31 - 1 used to fail there, after validation, as a 500.
    it.each([
      ['recent_errors', { recent_errors: 3_000_000_000 }],
      ['active_queries', { active_queries: 2_147_483_648 }],
      ['recent_errors', { recent_errors: 9_007_199_254_740_993 }],
    ])('a health sample with %s past the column range', async (field, body) => {
      const id = await deployment(`v-int-${field}-${Object.values(body)[0]}`);
      const before = await count('health_samples');
      const res = await b.api('POST', `/api/deployments/${id}/health`, 'ci', body);
      refused(res, field);
      expect(res.body.error.message).toMatch(/≤ 2147483647/);
      expect(await count('health_samples')).toBe(before);
      // The largest count the column holds is taken.
      expect((await b.api('POST', `/api/deployments/${id}/health`, 'ci', { [field]: 2_147_483_647 })).status).toBe(201);
    });

    it('a migration that took longer than an int4 of milliseconds', async () => {
      const id = await deployment('v-migration-ms');
      const before = await count('migration_history');
      const res = await b.api('POST', `/api/deployments/${id}/migrations`, 'ci', { name: '0042_add_index', hash: 'h1', reversibility: 'reversible', execution_time_ms: 3_000_000_000 });
      refused(res, 'execution_time_ms');
      expect(await count('migration_history')).toBe(before);
    });

    // A lone surrogate survives JSON.parse but has no UTF-8 form: PostgreSQL refused it in jsonb (a 500), and a text
    // column silently stored U+FFFD in its place.
    it.each([
      ['version', '{"service":"payments","environment":"staging","version":"v1\\ud800","git_commit":"abc1234"}'],
      ['git_branch', '{"service":"payments","environment":"staging","version":"v1","git_commit":"abc1234","git_branch":"main\\udfff"}'],
      ['metadata.note[1]', '{"service":"payments","environment":"staging","version":"v1","git_commit":"abc1234","metadata":{"note":["ok","\\udc00x"]}}'],
      ['metadata.x\\udc00 (key)', '{"service":"payments","environment":"staging","version":"v1","git_commit":"abc1234","metadata":{"x\\udc00":1}}'],
    ])('a deployment with an unpaired surrogate in %s', async (path, raw) => {
      const [deployments, audit] = [await count('deployments'), await count('audit_log')];
      const res = await post('/api/deployments', raw);
      refused(res, path);
      expect(res.body.error.message).toMatch(/unpaired surrogate/);
      expect([await count('deployments'), await count('audit_log')]).toEqual([deployments, audit]);
    });

    it('an emoji (a surrogate pair) is fine', async () => {
      const res = await b.api('POST', '/api/deployments', 'ci', { service: 'payments', environment: 'staging', version: 'v-🚀', git_commit: 'abc1234', metadata: { '🚀': '🚀' } });
      expect(res.status).toBe(201);
    });

    it('health check details with an unpaired surrogate leave the deployment unfinished', async () => {
      const id = await deployment('v-details');
      const res = await post(`/api/deployments/${id}/complete`, '{"status":"success","health_check_passed":true,"health_check_details":{"probe":"\\ud800"}}');
      refused(res, 'health_check_details.probe');
      const row = await b.running.deps.pool.query('select status, completed_at from ops.deployments where deployment_id = $1', [id]);
      expect(row.rows[0]).toEqual({ status: 'in_progress', completed_at: null });
    });

    it('an Alertmanager label with an unpaired surrogate proposes no rollback', async () => {
      await deployment('v-alert');
      const events = await count('rollback_events');
      const raw = JSON.stringify({
        version: '4', receiver: 'r', status: 'firing', groupLabels: {}, commonLabels: {}, commonAnnotations: {}, externalURL: 'http://am', groupKey: 'k',
        alerts: [{ status: 'firing', labels: { alertname: 'HighErrors\ud800', service: 'payments', environment: 'staging' }, annotations: {}, startsAt: '2026-11-22T14:00:00Z', endsAt: '0001-01-01T00:00:00Z', fingerprint: 'f' }],
      });
      refused(await post('/api/alerts/alertmanager', raw), 'alerts[0].labels.alertname');
      expect(await count('rollback_events')).toBe(events);
    });

    // Valid JSON, but a stack overflow while it was checked: a 500 on every route that takes a body.
    it.each([
      ['metadata', (deep: string) => `{"service":"payments","environment":"staging","version":"v-deep","git_commit":"abc1234","metadata":{"a":${deep}}}`],
      // The body's root is an array here, so its first element is what is too deep.
      ['[0]', (deep: string) => deep],
    ])('JSON nested 6,000 deep, at %s', async (path, body) => {
      const before = await count('deployments');
      refused(await post('/api/deployments', body('['.repeat(6000) + ']'.repeat(6000))), path);
      expect(await count('deployments')).toBe(before);
    });

    it('nesting a real document needs is fine', async () => {
      let nested: unknown = 'leaf';
      for (let i = 0; i < 30; i++) nested = { level: nested };
      const res = await b.api('POST', '/api/deployments', 'ci', { service: 'payments', environment: 'staging', version: 'v-nested', git_commit: 'abc1234', metadata: { nested } });
      expect(res.status).toBe(201);
    });

    // The query string reaches the database as text: a NUL there failed in PostgreSQL.
    it.each([
      ['service', '?service=%00'],
      ['environment', '?environment=staging%00'],
    ])('a history filter with a NUL character in %s', async (field, query) => {
      const res = await b.api('GET', `/api/rollbacks${query}`, 'viewer');
      expect(res.status, JSON.stringify(res.body)).toBe(400);
      expect(res.body.error.message).toBe(`query ${field}: text must not contain NUL characters (\\u0000)`);
      expect(res.body.error.details[0].path).toBe(field);
    });

    it('a history cursor whose time PostgreSQL cannot hold', async () => {
      for (const at of ['-271821-04-20T00:00:00Z', '0000-01-01T00:00:00Z']) {
        const cursor = Buffer.from(JSON.stringify([at, 1])).toString('base64url');
        const res = await b.api('GET', `/api/rollbacks?cursor=${cursor}`, 'viewer');
        expect(res.status, JSON.stringify(res.body)).toBe(400);
        expect(res.body.error.message).toMatch(/^query cursor: /);
      }
    });
  });
});

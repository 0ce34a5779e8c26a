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
});

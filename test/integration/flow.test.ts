import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyAuditChain } from '../../src/audit/verify-audit.ts';
import { startBackstop, testPolicy, waitFor, type Backstop } from '../support/harness.ts';

const SCRIPT = resolve('test/fixtures/rollback.sh');

async function deploy(b: Backstop, env: string, version: string, good: boolean, service = 'payments') {
  const rec = await b.api('POST', '/api/deployments', 'ci', { service, environment: env, version, git_commit: 'a7f3b29' + version.replace(/\D/g, ''), git_branch: 'main' });
  expect(rec.status, JSON.stringify(rec.body)).toBe(201);
  const id = rec.body.deployment_id as string;
  const done = await b.api('POST', `/api/deployments/${id}/complete`, 'ci', { status: good ? 'success' : 'failed', health_check_passed: good });
  expect(done.status).toBe(200);
  return id;
}

describe('a whole rollback over HTTP, with a real script as executor', () => {
  let b: Backstop;
  let sideEffects: string;

  beforeAll(async () => {
    sideEffects = join(mkdtempSync(join(tmpdir(), 'backstop-flow-')), 'effects.log');
    // The seed's automatic rule, held to two consecutive breaches: the one sample this test pushes makes the check
    // answer "roll back", while the monitor (which counts a sample once) never acts on its own and races the test.
    b = await startBackstop({
      policy: testPolicy({ executorArgv: [SCRIPT, sideEffects, '0.2'], verifyWindow: '600ms', rules: '[{ name: error-rate-critical, metric: error_rate_per_minute, op: ">", threshold: 5, for: 2, action: auto }]' }),
    });
  });
  afterAll(async () => b?.close());

  it('records, requests, collects a second approval, executes once, verifies and records history', async () => {
    const good = await deploy(b, 'production', 'v2.5.2', true);
    const bad = await deploy(b, 'production', 'v2.5.3', false);
    expect((await b.api('POST', `/api/deployments/${bad}/health`, 'ci', { error_rate_per_minute: 8.5, recent_errors: 42, database_connections_pct: 45 })).status).toBe(201);

    const check = await b.api('POST', '/auto-rollback/check', 'alice', { deployment_id: bad });
    expect(check.body).toMatchObject({ should_rollback: true, health: { healthy: false, error_rate_per_minute: 8.5, recent_errors: 42, database_connections: 45 } });

    // alice asks (and counts as the first of two approvals in production)
    const req = await b.api('POST', '/auto-rollback', 'alice', { deployment_id: bad, trigger_reason: 'Critical bug in payment flow' });
    expect(req.status, JSON.stringify(req.body)).toBe(201);
    expect(req.body).toMatchObject({
      success: true,
      status: 'awaiting_approval',
      target_deployment: { deployment_id: good, version: 'v2.5.2', health_check_passed: true },
      validation: { compliant: true, violations: [] },
    });
    expect(req.body.snapshot_id).toMatch(/^[0-9a-f-]{36}$/);
    const eventId = req.body.event_id as string;

    // alice cannot approve twice; bob can
    const again = await b.api('POST', `/api/rollbacks/${eventId}/approvals`, 'alice', { decision: 'approve', reason: 'me again' });
    expect(again.status).toBe(403);
    expect(again.body.error.code).toBe('ALREADY_DECIDED');
    const ok = await b.api('POST', `/api/rollbacks/${eventId}/approvals`, 'bob', { decision: 'approve', reason: 'confirmed on dashboards' });
    expect(ok.status, JSON.stringify(ok.body)).toBe(200);
    expect(ok.body).toMatchObject({ status: expect.stringMatching(/approved|queued/), approvals: { have: 2, need: 2 } });

    // samples after the executor ran: healthy again
    const pushHealthy = setInterval(() => void b.api('POST', `/api/deployments/${good}/health`, 'ci', { error_rate_per_minute: 0.2, recent_errors: 1 }), 100);
    try {
      const done = await waitFor('rollback to finish', async () => {
        const r = await b.api('GET', `/api/rollbacks/${eventId}`, 'viewer');
        return ['succeeded', 'failed'].includes(r.body.status) ? r.body : null;
      });
      expect(done.status, JSON.stringify(done)).toBe('succeeded');
      expect(done.rollback_steps.map((s: { step: string; status: string }) => `${s.step}:${s.status}`)).toEqual([
        'validate:done',
        'snapshot:done',
        'execute:done',
        'verify:done',
        'finish:done',
      ]);
      expect(done.approvals.map((a: { approver: string }) => a.approver).sort()).toEqual(['alice', 'bob']);
    } finally {
      clearInterval(pushHealthy);
    }

    expect(readFileSync(sideEffects, 'utf8').trim().split('\n')).toEqual([`${eventId} v2.5.2`]);

    // A straggling request (a client retry, a late click) for the deployment just rolled back runs nothing again.
    const again2 = await b.api('POST', '/auto-rollback', 'bob', { deployment_id: bad, trigger_reason: 'retry after a lost answer' });
    expect(again2.status).toBe(409);
    expect(again2.body.error.message).toContain('was already rolled back');
    const events = await b.running.deps.pool.query('select count(*)::int as n from ops.rollback_events where deployment_id = $1', [bad]);
    expect(events.rows[0].n).toBe(1);

    const badRow = await b.api('POST', '/api/rollbacks/check', 'viewer', { deployment_id: bad });
    expect(badRow.status).toBe(200);
    const evidence = await b.api('GET', `/api/rollbacks/${eventId}/evidence`, 'viewer');
    expect(evidence.body).toMatchObject({ event_id: eventId, status: 'succeeded', deployment: { status: 'rolled_back', quarantined: true }, target: { version: 'v2.5.2' } });
    expect(evidence.body.snapshots.map((s: { type: string }) => s.type).sort()).toEqual(['post_rollback', 'pre_rollback']);
    expect(evidence.body.verification).toMatchObject({ healthy: true });

    const history = await b.api('GET', '/auto-rollback/history?limit=10', 'viewer');
    expect(history.body.rollbacks[0]).toMatchObject({ event_id: eventId, deployment_id: bad, trigger_type: 'manual', initiated_by: 'alice', status: 'succeeded' });

    expect(b.notifier.kinds(eventId)).toEqual(expect.arrayContaining(['requested', 'approval_needed', 'approved', 'started', 'succeeded']));
    expect(await verifyAuditChain(b.running.deps.db)).toMatchObject({ ok: true });
  });

  it('gives twenty concurrent requests for one deployment exactly one rollback', async () => {
    // Production needs two approvals, so the admitted rollback stays active for the whole burst. In staging it would be
    // approved at once and could end before a request that a busy machine delayed arrives; a rollback that failed
    // (nothing here reports health, and verification fails on no data) may rightly be requested again.
    await deploy(b, 'production', 'v1.0.0', true);
    const bad = await deploy(b, 'production', 'v1.0.1', false);
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => b.api('POST', '/api/rollbacks', i % 2 ? 'alice' : 'carol', { deployment_id: bad, trigger_reason: `request ${i}` })),
    );
    const created = results.filter((r) => r.status === 201);
    const conflicts = results.filter((r) => r.status === 409);
    expect(results.filter((r) => r.status !== 201 && r.status !== 409).map((r) => r.body)).toEqual([]);
    const rowsOf = async () =>
      (await b.running.deps.pool.query(`select event_id, status, status_reason, initiated_by, initiated_at, completed_at from ops.rollback_events where deployment_id = $1 order by initiated_at`, [bad])).rows;
    expect(created, JSON.stringify({ rows: await rowsOf(), bodies: created.map((c) => c.body) })).toHaveLength(1);
    expect(conflicts).toHaveLength(19);
    expect(created[0]!.body.status).toBe('awaiting_approval');
    const eventId = created[0]!.body.event_id;
    for (const c of conflicts) expect(c.body.event_id).toBe(eventId);
    const { rows } = await b.running.deps.pool.query(`select count(*)::int as n from ops.rollback_events where deployment_id = $1`, [bad]);
    expect(rows[0].n).toBe(1);
  });

  it('refuses what it must, naming the field', async () => {
    const id = await deploy(b, 'staging', 'v3.0.0', true, 'search');
    const cases: Array<[string, string, unknown, number, RegExp]> = [
      ['POST', '/auto-rollback', { deployment_id: 'abc-123', trigger_reason: 'x' }, 400, /deployment_id/],
      ['POST', '/auto-rollback', { deployment_id: id, trigger_reason: '' }, 400, /trigger_reason/],
      ['POST', '/auto-rollback', { deployment_id: id, trigger_reason: 'x'.repeat(1001) }, 400, /trigger_reason.*1000/],
      ['POST', '/auto-rollback', { deployment_id: '3f1c9a52-8d1e-4b7a-9c3e-2a6f0b1d4e5c', trigger_reason: 'x' }, 404, /not found/],
      ['POST', '/api/deployments', { service: 'nope', environment: 'staging', version: 'v1', git_commit: 'abcdef1' }, 422, /nope/],
      ['POST', '/api/deployments', { service: 'payments', environment: 'staging', version: 'v1', git_commit: 'not a sha' }, 400, /git_commit/],
      ['POST', '/auto-rollback', '{"deployment_id": ', 400, /not valid JSON/],
      ['POST', '/auto-rollback', { deployment_id: id, trigger_reason: 'x'.repeat(20_000) }, 413, /larger than/],
    ];
    for (const [method, path, body, status, message] of cases) {
      const res = await b.api(method, path, path === '/api/deployments' ? 'ci' : 'alice', body);
      expect(res.status, `${path} ${JSON.stringify(body).slice(0, 80)} → ${JSON.stringify(res.body)}`).toBe(status);
      expect(JSON.stringify(res.body)).toMatch(message);
    }
    expect((await b.api('GET', '/auto-rollback/history', null)).status).toBe(401);
    const wrong = await fetch(`${b.url}/auto-rollback/history`, { headers: { authorization: 'Bearer wrong' } });
    expect(wrong.status).toBe(401);
    expect(await wrong.text()).not.toContain('secret-token');
    expect((await b.api('POST', '/api/deployments', 'viewer', { service: 'payments', environment: 'staging', version: 'v1', git_commit: 'abcdef1' })).status).toBe(403);
    // a token that does not speak for others cannot approve as someone else
    const spoof = await b.api('POST', '/auto-rollback', 'alice', { deployment_id: id, trigger_reason: 'x', initiated_by: 'bob' });
    expect(spoof.status).toBe(403);
    expect(existsSync(SCRIPT)).toBe(true);
  });
});

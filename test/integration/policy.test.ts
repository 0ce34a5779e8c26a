import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBackstop, testPolicy, waitFor, type Backstop } from '../support/harness.ts';

const SCRIPT = resolve('test/fixtures/rollback.sh');

describe('approval policy and the constitution, end to end', () => {
  let b: Backstop;
  let n = 0;

  beforeAll(async () => {
    const effects = join(mkdtempSync(join(tmpdir(), 'backstop-policy-')), 'effects.log');
    b = await startBackstop({ policy: testPolicy({ executorArgv: [SCRIPT, effects], onNoData: 'pass' }).replace('production: { approvals: { required: 2 } }', 'production: { approvals: { required: 2, requester_counts: false } }') });
  });
  afterAll(async () => b?.close());

  /** A known-good and a bad deployment of a fresh service name each time, so cases never share an active rollback. */
  async function pair(env: 'production' | 'staging') {
    const version = `v${++n}`;
    const dep = async (v: string, good: boolean) => {
      const id = (await b.api('POST', '/api/deployments', 'ci', { service: 'payments', environment: env, version: v, git_commit: 'abcdef0' })).body.deployment_id as string;
      await b.api('POST', `/api/deployments/${id}/complete`, 'ci', { status: good ? 'success' : 'failed', health_check_passed: good });
      return id;
    };
    return { good: await dep(`${version}.0`, true), bad: await dep(`${version}.1`, false) };
  }
  const finalOf = (eventId: string) =>
    waitFor(`rollback ${eventId} to be final`, async () => {
      const r = await b.api('GET', `/api/rollbacks/${eventId}`, 'viewer');
      return ['succeeded', 'failed', 'rejected', 'expired', 'cancelled'].includes(r.body.status) ? r.body : null;
    });

  it('requester_counts: false — the requester cannot approve; two other people must', async () => {
    const { bad } = await pair('production');
    const req = await b.api('POST', '/api/rollbacks', 'alice', { deployment_id: bad, trigger_reason: 'strict env' });
    expect(req.body.status).toBe('awaiting_approval');
    const self = await b.api('POST', `/api/rollbacks/${req.body.event_id}/approvals`, 'alice', { decision: 'approve', reason: 'mine' });
    expect(self.body.error.code).toBe('REQUESTER_CANNOT_APPROVE');
    const one = await b.api('POST', `/api/rollbacks/${req.body.event_id}/approvals`, 'bob', { decision: 'approve', reason: 'ok' });
    expect(one.body).toMatchObject({ status: 'awaiting_approval', approvals: { have: 1, need: 2 } });
    const two = await b.api('POST', `/api/rollbacks/${req.body.event_id}/approvals`, 'carol', { decision: 'approve', reason: 'ok' });
    expect(two.body.approvals).toMatchObject({ state: 'approved', have: 2 });
    expect((await finalOf(req.body.event_id)).status).toBe('succeeded');
  });

  it('one reject vetoes, and a late approval is told who resolved it', async () => {
    const { bad } = await pair('production');
    const req = await b.api('POST', '/api/rollbacks', 'alice', { deployment_id: bad, trigger_reason: 'veto case' });
    const no = await b.api('POST', `/api/rollbacks/${req.body.event_id}/approvals`, 'bob', { decision: 'reject', reason: 'the errors are from the CDN' });
    expect(no.body.status).toBe('rejected');
    const late = await b.api('POST', `/api/rollbacks/${req.body.event_id}/approvals`, 'carol', { decision: 'approve', reason: 'late' });
    expect(late.status).toBe(409);
    expect(late.body.error.message).toMatch(/rejected by bob/);
  });

  it('a plan that changes after an approval drops that approval', async () => {
    const { bad } = await pair('production');
    const req = await b.api('POST', '/api/rollbacks', 'alice', { deployment_id: bad, trigger_reason: 'plan change' });
    const eventId = req.body.event_id;
    await b.api('POST', `/api/rollbacks/${eventId}/approvals`, 'bob', { decision: 'approve', reason: 'ok' });
    // a migration recorded after bob approved changes the plan
    const mig = await b.api('POST', `/api/deployments/${bad}/migrations`, 'ci', { name: '0042_add_index', hash: 'h42', reversibility: 'reversible', rollback_script: 'drop index x;' });
    expect(mig.status).toBe(201);
    const carol = await b.api('POST', `/api/rollbacks/${eventId}/approvals`, 'carol', { decision: 'approve', reason: 'ok' });
    expect(carol.body).toMatchObject({ status: 'awaiting_approval', plan_changed: true, approvals: { have: 1, need: 2 } });
    expect((await b.api('POST', `/api/rollbacks/${eventId}/cancel`, 'alice', { reason: 'done with this case' })).status).toBe(200);
  });

  it('a destructive migration is a violation; code-only turns it into a warning', async () => {
    const { bad } = await pair('staging');
    await b.api('POST', `/api/deployments/${bad}/migrations`, 'ci', { name: '0007_drop_column', hash: 'h7', reversibility: 'destructive' });
    const full = await b.api('POST', '/auto-rollback', 'alice', { deployment_id: bad, trigger_reason: 'full rollback' });
    expect(full.status).toBe(422);
    expect(full.body).toMatchObject({ success: false, error: 'Constitutional validation failed', validation: { compliant: false } });
    expect(full.body.validation.violations.join(' ')).toMatch(/Law of Inhabitance violated: migration 0007_drop_column is destructive/);
    const codeOnly = await b.api('POST', '/auto-rollback', 'alice', { deployment_id: bad, trigger_reason: 'code only', code_only: true });
    expect(codeOnly.status, JSON.stringify(codeOnly.body)).toBe(201);
    expect(codeOnly.body.validation.warnings.join(' ')).toMatch(/0007_drop_column is destructive and stays applied/);
    expect((await finalOf(codeOnly.body.event_id)).status).toBe('succeeded');
  });

  it('an override needs the override role and a second person', async () => {
    const { bad } = await pair('staging');
    await b.api('POST', `/api/deployments/${bad}/migrations`, 'ci', { name: '0008_drop_table', hash: 'h8', reversibility: 'irreversible' });
    expect((await b.api('POST', '/api/rollbacks', 'alice', { deployment_id: bad, trigger_reason: 'x', override: true })).status).toBe(403);
    const req = await b.api('POST', '/api/rollbacks', 'bob', { deployment_id: bad, trigger_reason: 'data is already lost; roll back anyway', override: true });
    expect(req.status, JSON.stringify(req.body)).toBe(201);
    expect(req.body).toMatchObject({ status: 'awaiting_approval', validation: { compliant: false } });
    const second = await b.api('POST', `/api/rollbacks/${req.body.event_id}/approvals`, 'alice', { decision: 'approve', reason: 'agreed' });
    expect(second.body.approvals).toMatchObject({ state: 'approved', have: 2, need: 2 });
    const done = await finalOf(req.body.event_id);
    expect(done.status).toBe('succeeded');
    expect(done.rollback_steps[0]).toMatchObject({ step: 'validate', status: 'done', detail: { overridden: true } });
  });

  it('cancels before execution, and refuses to cancel twice', async () => {
    const { bad } = await pair('production');
    const req = await b.api('POST', '/api/rollbacks', 'alice', { deployment_id: bad, trigger_reason: 'cancel me' });
    expect(req.status).toBe(201);
    const c = await b.api('POST', `/api/rollbacks/${req.body.event_id}/cancel`, 'alice', { reason: 'false alarm' });
    expect(c.body).toMatchObject({ status: 'cancelled', result: 'cancelled' });
    const again = await b.api('POST', `/api/rollbacks/${req.body.event_id}/cancel`, 'alice', {});
    expect(again.status).toBe(409);
    expect(again.body.result).toBe('already_final');
  });

  it('pending approvals expire and are never auto-approved', async () => {
    const { bad } = await pair('production');
    const req = await b.api('POST', '/api/rollbacks', 'alice', { deployment_id: bad, trigger_reason: 'will expire' });
    await b.running.deps.pool.query(`update ops.rollback_events set expires_at = now() - interval '1 second' where event_id = $1`, [req.body.event_id]);
    const done = await finalOf(req.body.event_id);
    expect(done.status).toBe('expired');
    await waitFor('the expiry notice (on-call is paged)', async () => b.notifier.kinds(req.body.event_id).includes('expired'));
  });

  it('history filters by service, environment and status, with a cursor', async () => {
    const all = await b.api('GET', '/api/rollbacks?environment=production&limit=2', 'viewer');
    expect(all.body.rollbacks).toHaveLength(2);
    for (const r of all.body.rollbacks) expect(r.environment).toBe('production');
    const next = await b.api('GET', `/api/rollbacks?environment=production&limit=2&cursor=${all.body.next_cursor}`, 'viewer');
    expect(next.body.rollbacks.map((r: { event_id: string }) => r.event_id)).not.toContain(all.body.rollbacks[0].event_id);
    const rejected = await b.api('GET', '/api/rollbacks/history?status=rejected', 'viewer');
    for (const r of rejected.body.rollbacks) expect(r.status).toBe('rejected');
    expect((await b.api('GET', '/api/rollbacks?cursor=garbage', 'viewer')).status).toBe(400);
    expect((await b.api('GET', '/api/rollbacks?limit=1000', 'viewer')).body.error.message).toMatch(/limit/);
  });

  it('serves an OpenAPI document and Prometheus metrics', async () => {
    const doc = await b.api('GET', '/api/openapi.json', null);
    expect(doc.body.openapi).toBe('3.1.0');
    expect(Object.keys(doc.body.paths)).toEqual(expect.arrayContaining(['/auto-rollback', '/auto-rollback/check', '/auto-rollback/history', '/api/rollbacks/{event_id}/approvals']));
    expect(doc.body.paths['/auto-rollback'].post.requestBody.content['application/json'].schema.required).toEqual(expect.arrayContaining(['deployment_id', 'trigger_reason']));
    const metrics = await fetch(`${b.url}/metrics`).then((r) => r.text());
    expect(metrics).toMatch(/backstop_rollbacks_total\{trigger="manual",outcome="succeeded"\} \d+/);
    expect(metrics).toMatch(/backstop_rollback_step_duration_seconds_bucket/);
    expect(metrics).toMatch(/backstop_queue_depth\{state="waiting"\}/);
  });
});

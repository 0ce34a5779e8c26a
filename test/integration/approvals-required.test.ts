import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBackstop, testPolicy, type Backstop } from '../support/harness.ts';

// The stored approvals_required is the environment's number; an override of a constitutional violation needs someone
// with the override role plus a second person, so at least 2. Every read reports what the policy actually requires.
describe('approvals required, as every read reports it', () => {
  let b: Backstop;
  let n = 0;
  beforeAll(async () => {
    b = await startBackstop({ policy: testPolicy({ executorArgv: ['true'] }), roles: { api: true, worker: false } });
  });
  afterAll(async () => b?.close());

  /** A known-good staging deployment, then a bad one to roll back from; each case has its own service. */
  async function badDeployment(service: 'payments' | 'search'): Promise<string> {
    const dep = async (version: string, good: boolean) => {
      const id = (await b.api('POST', '/api/deployments', 'ci', { service, environment: 'staging', version, git_commit: 'abcdef0' })).body.deployment_id as string;
      await b.api('POST', `/api/deployments/${id}/complete`, 'ci', { status: good ? 'success' : 'failed', health_check_passed: good });
      return id;
    };
    await dep(`v${++n}.0`, true);
    return dep(`v${n}.1`, false);
  }

  /** approvals_required as the request's answer, GET /api/rollbacks/:id, both history lists and the evidence report it. */
  async function everyRead(service: string, eventId: string, answer: { approvals_required: number }) {
    const detail = await b.api('GET', `/api/rollbacks/${eventId}`, 'viewer');
    const list = await b.api('GET', `/api/rollbacks?service=${service}&environment=staging&limit=1`, 'viewer');
    const seed = await b.api('GET', `/auto-rollback/history?service=${service}&limit=1`, 'viewer');
    const evidence = await b.api('GET', `/api/rollbacks/${eventId}/evidence`, 'viewer');
    expect(list.body.rollbacks[0].event_id).toBe(eventId);
    expect(seed.body.rollbacks[0].event_id).toBe(eventId);
    return {
      request: answer.approvals_required,
      detail: detail.body.approvals_required,
      list: list.body.rollbacks[0].approvals_required,
      seed_history: seed.body.rollbacks[0].approvals_required,
      evidence: evidence.body.approvals.required,
    };
  }

  it('an override of a violated constitution needs 2 in staging (which asks for 1), and every read says 2', async () => {
    const bad = await badDeployment('payments');
    // A destructive migration without a rollback script violates the Law of Inhabitance.
    expect((await b.api('POST', `/api/deployments/${bad}/migrations`, 'ci', { name: '0009_drop_column', hash: 'h9', reversibility: 'destructive' })).status).toBe(201);
    const req = await b.api('POST', '/api/rollbacks', 'bob', { deployment_id: bad, trigger_reason: 'data is already gone; roll back anyway', override: true });
    expect(req.status, JSON.stringify(req.body)).toBe(201);
    expect(req.body).toMatchObject({ status: 'awaiting_approval', validation: { compliant: false } });
    expect(await everyRead('payments', req.body.event_id, req.body)).toEqual({ request: 2, detail: 2, list: 2, seed_history: 2, evidence: 2 });
    // The stored column still holds the environment's number; the reads do not print it.
    const stored = await b.running.deps.pool.query('select approvals_required from ops.rollback_events where event_id = $1', [req.body.event_id]);
    expect(stored.rows[0].approvals_required).toBe(1);
    // And the count agrees with the approval policy: bob's own approval is one of the two.
    const second = await b.api('POST', `/api/rollbacks/${req.body.event_id}/approvals`, 'alice', { decision: 'approve', reason: 'agreed' });
    expect(second.body.approvals).toMatchObject({ state: 'approved', have: 2, need: 2 });
    expect((await b.api('POST', `/api/rollbacks/${req.body.event_id}/cancel`, 'alice', { reason: 'test case done' })).status).toBe(200);
  });

  it("without an override, every read says the environment's number", async () => {
    const bad = await badDeployment('search');
    const req = await b.api('POST', '/api/rollbacks', 'ci', { deployment_id: bad, trigger_reason: 'plain rollback' });
    expect(req.status, JSON.stringify(req.body)).toBe(201);
    expect(await everyRead('search', req.body.event_id, req.body)).toEqual({ request: 1, detail: 1, list: 1, seed_history: 1, evidence: 1 });
    expect((await b.api('POST', `/api/rollbacks/${req.body.event_id}/cancel`, 'alice', { reason: 'test case done' })).status).toBe(200);
  });
});

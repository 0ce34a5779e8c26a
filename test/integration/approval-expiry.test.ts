import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBackstop, testPolicy, waitFor, type Backstop } from '../support/harness.ts';

// The reconciler expires overdue requests every few seconds, so between the deadline and its next pass there is a
// gap. A vote in that gap used to complete the quorum and execute a request that had expired. Here no worker runs
// (so no reconciler): the vote itself must see the deadline.
describe('an approval after the deadline', () => {
  let b: Backstop;
  beforeAll(async () => {
    b = await startBackstop({
      policy: testPolicy({ executorArgv: ['true'], production: '{ required: 2, expires_after: 1s }' }),
      roles: { api: true, worker: false },
    });
  });
  afterAll(async () => b?.close());

  it('is refused with 409 EXPIRED, and the request expires at once instead of running', async () => {
    const dep = async (version: string, good: boolean) => {
      const id = (await b.api('POST', '/api/deployments', 'ci', { service: 'payments', environment: 'production', version, git_commit: good ? 'abc1234' : 'def5678' })).body.deployment_id as string;
      await b.api('POST', `/api/deployments/${id}/complete`, 'ci', { status: good ? 'success' : 'failed', health_check_passed: good });
      return id;
    };
    await dep('v1', true);
    const bad = await dep('v2', false);
    const req = await b.api('POST', '/api/rollbacks', 'alice', { deployment_id: bad, trigger_reason: 'checkout errors' });
    expect(req.status, JSON.stringify(req.body)).toBe(201);
    expect(req.body.status).toBe('awaiting_approval');
    const eventId = req.body.event_id as string;
    const expiresAt = Date.parse((await b.api('GET', `/api/rollbacks/${eventId}`, 'viewer')).body.expires_at);
    await waitFor('the approval deadline to pass', async () => Date.now() > expiresAt + 10, 5_000, 20);

    const late = await b.api('POST', `/api/rollbacks/${eventId}/approvals`, 'bob', { decision: 'approve', reason: 'sorry, was asleep' });
    expect(late.status, JSON.stringify(late.body)).toBe(409);
    expect(late.body.error.code).toBe('EXPIRED');
    expect(late.body.error.message).toMatch(/^this rollback request expired .* so your vote was not counted and it will not run/);
    expect(late.body.status).toBe('expired');

    const after = await b.api('GET', `/api/rollbacks/${eventId}`, 'viewer');
    expect(after.body.status).toBe('expired');
    // The late vote was not stored, the expiry pages on-call like any other, and nothing was queued.
    const votes = await b.running.deps.pool.query('select approver from ops.approvals where event_id = $1', [eventId]);
    expect(votes.rows.map((r) => r.approver)).toEqual(['alice']);
    expect(b.notifier.kinds(eventId)).toContain('expired');
    expect(b.notifier.kinds(eventId)).not.toContain('approved');
    const again = await b.api('POST', `/api/rollbacks/${eventId}/approvals`, 'carol', { decision: 'approve', reason: 'me too' });
    expect(again.status).toBe(409);
  });
});

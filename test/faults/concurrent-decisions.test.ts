import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBackstop, testPolicy, waitFor, type Backstop } from '../support/harness.ts';

// 50 people asking for the same rollback at once, and 50 approving it at once: exactly one rollback, executed once,
// and every answer a clear 2xx or 4xx.

const SCRIPT = resolve('test/fixtures/rollback.sh');

describe('50 concurrent requests and 50 concurrent approvals for one deployment', () => {
  let b: Backstop;
  let effects: string;
  beforeAll(async () => {
    effects = join(mkdtempSync(join(tmpdir(), 'backstop-concurrent-')), 'effects.log');
    // Production needs 2 approvals, so the approvals race too (the requester's own counts as one).
    b = await startBackstop({ policy: testPolicy({ executorArgv: [SCRIPT, effects, '0.3'], onNoData: 'pass' }) });
  });
  afterAll(async () => b?.close());

  it('admits one rollback and executes it once', async () => {
    const good = await b.api('POST', '/api/deployments', 'ci', { service: 'payments', environment: 'production', version: 'v1', git_commit: 'abc1234' });
    await b.api('POST', `/api/deployments/${good.body.deployment_id}/complete`, 'ci', { status: 'success', health_check_passed: true });
    const bad = (await b.api('POST', '/api/deployments', 'ci', { service: 'payments', environment: 'production', version: 'v2', git_commit: 'abc1235' })).body.deployment_id as string;

    // The gateway token speaks for the people it names, so fifty distinct people can act through it.
    const person = (i: number) => ({ id: `discord:${1000 + i}`, name: `person${i}` });
    const requests = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        b.api('POST', '/auto-rollback', 'gateway', { deployment_id: bad, trigger_reason: `request ${i}`, initiated_by: person(i).id, initiated_by_name: person(i).name, initiated_by_roles: ['approver'] }),
      ),
    );
    const statuses = requests.map((r) => r.status);
    const eventIds = new Set(requests.map((r) => r.body.event_id ?? r.body.error?.details?.event_id).filter(Boolean));
    expect(statuses.filter((s) => s >= 500)).toEqual([]);
    expect(statuses.filter((s) => s === 201)).toHaveLength(1);
    expect(eventIds.size).toBe(1);
    const [eventId] = [...eventIds] as string[];

    const approvals = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        b.api('POST', `/api/rollbacks/${eventId}/approvals`, 'gateway', { approver: person(100 + i).id, approver_name: person(100 + i).name, approver_roles: ['approver'], decision: 'approve', reason: `approve ${i}` }),
      ),
    );
    expect(approvals.filter((r) => r.status >= 500)).toEqual([]);
    for (const r of approvals.filter((x) => x.status >= 400)) expect(r.body.error?.message ?? r.body.error).toBeTruthy();
    const done = await waitFor('the rollback to finish', async () => {
      const e = (await b.api('GET', `/api/rollbacks/${eventId}`, 'viewer')).body;
      return ['succeeded', 'failed'].includes(e.status) ? e : null;
    }, 30_000);
    expect(done.status).toBe('succeeded');
    const rows = await b.running.deps.pool.query(`select count(*)::int as n from ops.rollback_events where deployment_id = $1`, [bad]);
    expect(rows.rows[0].n).toBe(1);
    const executions = readFileSync(effects, 'utf8').trim().split('\n');
    expect(executions).toEqual([`${eventId} v1`]);
    const accepted = approvals.filter((r) => r.status === 200).length;
    console.log(`50 concurrent requests → 1 rollback (${statuses.filter((s) => s === 201).length}×201, ${statuses.filter((s) => s === 409).length}×409 "already in progress"); 50 concurrent approvals → ${accepted} recorded before it was approved, ${50 - accepted} told it was already resolved; 1 execution; 0 5xx`);
  }, 90_000);
});

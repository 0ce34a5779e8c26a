import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBackstop, testPolicy, waitFor, type Backstop } from '../support/harness.ts';

describe('the per-service execution lock', () => {
  let b: Backstop;
  let holder: pg.Client;
  beforeAll(async () => {
    b = await startBackstop({ policy: testPolicy({ executorArgv: ['true'], onNoData: 'pass' }) });
    holder = new pg.Client({ connectionString: b.db.url });
    await holder.connect();
  });
  afterAll(async () => {
    await holder?.end();
    await b?.close();
  });

  it('makes a rollback wait while another session executes the same service, without using up attempts', async () => {
    const dep = async (version: string, good: boolean) => {
      const id = (await b.api('POST', '/api/deployments', 'ci', { service: 'payments', environment: 'staging', version, git_commit: 'abc1234' })).body.deployment_id as string;
      await b.api('POST', `/api/deployments/${id}/complete`, 'ci', { status: good ? 'success' : 'failed', health_check_passed: good });
      return id;
    };
    await dep('v1', true);
    const bad = await dep('v2', false);
    // Stands in for a worker presumed dead that is in fact still executing.
    await holder.query(`select pg_advisory_lock(hashtextextended('backstop:payments/staging', 0))`);
    const req = await b.api('POST', '/api/rollbacks', 'alice', { deployment_id: bad, trigger_reason: 'lock test' });
    const job = await waitFor('the job to be delayed', async () => {
      const j = await (await b.running.deps.rollbackQueue.queue()).getJob(`rb-${req.body.event_id}`);
      return j && (await j.getState()) === 'delayed' ? j : null;
    });
    expect(job.attemptsMade).toBe(0);
    expect((await b.api('GET', `/api/rollbacks/${req.body.event_id}`, 'viewer')).body.rollback_steps).toEqual([]);

    await holder.query(`select pg_advisory_unlock(hashtextextended('backstop:payments/staging', 0))`);
    const done = await waitFor('the rollback to run once the lock is free', async () => {
      const r = await b.api('GET', `/api/rollbacks/${req.body.event_id}`, 'viewer');
      return r.body.status === 'succeeded' ? r.body : null;
    }, 20_000);
    expect(done.status).toBe('succeeded');
  }, 30_000);
});

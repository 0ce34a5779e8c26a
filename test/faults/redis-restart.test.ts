import type { ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBackstop, waitFor, type Backstop } from '../support/harness.ts';
import { exited, freePort, startRedis } from '../support/processes.ts';
import { orphansSettled, sideEffects, starts } from '../support/faults/effects.ts';
import { fleetPolicy } from '../support/faults/policy.ts';
import { deploy, executeSteps, settle, tally } from '../support/faults/rollbacks.ts';

// A private Redis (never the shared one) killed while rollbacks run, wait in the queue and keep being requested and
// approved, then started again on the same port. It runs without persistence, so every job it held is gone: the
// reconciler must re-enqueue them from Postgres. Every rollback must end final, none executed twice, and the
// requests made during the outage are admitted and told the queue is down.

const SCRIPT = resolve('test/fixtures/rollback.sh');
const SERVICES = Array.from({ length: 10 }, (_, i) => `r${i}`);
const BEFORE = 6; // requested and approved before the outage; the other four during it

describe('Redis restarted mid-flow', () => {
  let b: Backstop;
  let redis: ChildProcess | undefined;
  let port: number;
  let effects: string;

  beforeAll(async () => {
    port = await freePort();
    redis = await startRedis(port);
    effects = join(mkdtempSync(join(tmpdir(), 'backstop-redis-restart-')), 'effects.log');
    b = await startBackstop({
      // Two approvals (the requester's and one more), so both the request and the approval path meet the outage.
      policy: fleetPolicy({ services: SERVICES, approvals: 2, executorArgv: [SCRIPT, effects, '1'], verifyWindow: '200ms' }),
      redisUrl: `redis://127.0.0.1:${port}`,
      // Two at a time: when Redis dies some rollbacks are executing and the rest are jobs waiting in Redis.
      env: { BACKSTOP_WORKER_CONCURRENCY: '2' },
    });
  });
  afterAll(async () => {
    await b?.close();
    redis?.kill('SIGKILL');
  });

  it('ends every rollback final, each executed at most once, and says the queue is down while it is', async () => {
    const started = Date.now();
    const bad = new Map<string, string>();
    for (const service of SERVICES) {
      await deploy(b, service, 'prod', 'v1', true);
      bad.set(service, await deploy(b, service, 'prod', 'v2', false));
    }
    const requestAndApprove = async (service: string) => {
      const req = await b.api('POST', '/api/rollbacks', 'alice', { deployment_id: bad.get(service), trigger_reason: `redis restart ${service}` });
      expect(req.status, JSON.stringify(req.body)).toBe(201);
      expect(req.body.status).toBe('awaiting_approval');
      const approval = await b.api('POST', `/api/rollbacks/${req.body.event_id}/approvals`, 'bob', { decision: 'approve', reason: 'go' });
      expect(approval.status, JSON.stringify(approval.body)).toBe(200);
      expect(approval.body.status).toBe('approved');
      return { eventId: req.body.event_id as string, enqueued: approval.body.enqueued as boolean };
    };

    const before = await Promise.all(SERVICES.slice(0, BEFORE).map(requestAndApprove));
    expect(before.every((r) => r.enqueued)).toBe(true);
    // Kill once two scripts are running (their side effect is 1 s away); the other four jobs wait in Redis.
    await waitFor('two rollback scripts to start', async () => starts(effects).size >= 2, 30_000);
    const atKill = await b.running.deps.pool.query<{ status: string }>('select status::text from ops.rollback_events where event_id = any($1::uuid[])', [before.map((r) => r.eventId)]);
    redis!.kill('SIGKILL');
    await exited(redis!);
    redis = undefined;

    const health = await b.api('GET', '/health', null);
    expect(health.status).toBe(503);
    expect(health.body).toMatchObject({ status: 'degraded', database: { ok: true }, redis: { ok: false } });
    const during = await Promise.all(SERVICES.slice(BEFORE).map(requestAndApprove));
    // Admitted and approved in Postgres, and told plainly that the queue did not take them.
    const toldDown = during.filter((r) => r.enqueued === false).length;
    expect(toldDown).toBe(during.length);
    // Reads come from Postgres and keep working.
    const read = await b.api('GET', `/api/rollbacks/${during[0]!.eventId}`, 'viewer');
    expect(read.status).toBe(200);
    expect(read.body.status).toBe('approved');
    // The scripts running at the kill finish into the outage (their jobs cannot be completed in Redis) before it ends.
    await orphansSettled(effects);
    redis = await startRedis(port);

    const events = [...before, ...during].map((r) => r.eventId);
    const final = await settle(b, events, 90_000);
    await orphansSettled(effects);
    const done = sideEffects(effects);
    const began = starts(effects);
    const steps = await executeSteps(b, events);
    const doubles = events.filter((id) => (done.get(id) ?? 0) > 1 || (began.get(id) ?? 0) > 1);
    const finalCount = events.filter((id) => ['succeeded', 'failed'].includes(final.get(id) ?? '')).length;
    const afterHealth = await b.api('GET', '/health', null);

    console.log(
      `restarted Redis mid-flow (rollbacks at the kill: ${tally(atKill.rows.map((r) => r.status))}; the restarted Redis was empty): ` +
        `${finalCount}/${events.length} rollbacks final (${tally(final.values())}); ${doubles.length} double executions (execute steps: ${tally(steps.map((r) => r.execute ?? 'never begun'))}); ` +
        `${toldDown} requests answered "enqueued": false (queue unreachable) while down; /health 503 while down, ${afterHealth.status} after; ` +
        `${((Date.now() - started) / 1000).toFixed(0)} s`,
    );
    expect([...final].filter(([, s]) => s !== 'succeeded' && s !== 'failed')).toEqual([]);
    expect(doubles).toEqual([]);
    // Every started script finished its one side effect, and every succeeded rollback has exactly one.
    expect([...done.keys()].sort()).toEqual([...began.keys()].sort());
    expect(events.filter((id) => final.get(id) === 'succeeded' && done.get(id) !== 1)).toEqual([]);
    expect(afterHealth.status).toBe(200);
  }, 180_000);
});

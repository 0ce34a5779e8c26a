import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { findStaleActiveEvents, getEvent } from '../../src/db/queries/rollback-events.ts';
import type { RollbackEventRow } from '../../src/db/schema/index.ts';
import { claimRollback, withClaimedRollback } from '../../src/pipeline/claim.ts';
import { createLogger } from '../../src/logging/logger.ts';
import { createExecutionLocks, type LockedClaimRow } from '../../src/pipeline/execution-lock.ts';
import { asAnotherWorker } from '../support/layer/other-worker-lock.ts';
import { approvedRollback } from '../support/layer/rollback.ts';
import { createLayerWorld, type LayerWorld } from '../support/layer/world.ts';

// The fenced claim on a real database with a fake clock. A claim itself never waits for anyone: claiming bumps the
// fence, and from then on every write of an older holder is refused (LOST_CLAIM). Two live workers are kept apart by
// the per-service execution lock; a worker presumed dead is taken over once its row has been quiet longer than the
// reconciler's stale-after (its "lease"), measured on the injected clock.

const T0 = new Date('2031-03-01T10:00:00.000Z');
const LEASE_MS = 30_000;
const SERVICES = ['locked', 'lease', 'stale', 'final', 'stamp', 'again', 'other', 'both-a', 'both-b', 'plan-a', 'plan-b', 'plan-c'];

const stale = async (w: LayerWorld) => (await findStaleActiveEvents(w.db, new Date(w.clock.now().getTime() - LEASE_MS))).map((e) => e.eventId);

describe('the fenced claim', () => {
  let w: LayerWorld;
  beforeAll(async () => {
    w = await createLayerWorld({ start: T0, services: SERVICES });
  });
  afterAll(async () => {
    await w?.close();
  });
  beforeEach(() => w.clock.set(T0));

  const approved = async (service: string): Promise<RollbackEventRow> => (await approvedRollback(w, service)).event;

  it('keeps a second claimant out while the first holds the execution lock, and lets it in once released', async () => {
    const event = await approved('locked');
    // worker-b is another process: its execution locks live on a session of their own.
    const otherProcess = createExecutionLocks(w.deps.pool, createLogger({ level: 'silent' }));
    const workerB = { ...w.deps, locks: otherProcess };
    try {
      const first = await withClaimedRollback(w.deps, event.eventId, 'worker-a', async ({ claim }) => {
        const second = withClaimedRollback(workerB, event.eventId, 'worker-b', async ({ claim: b }) => b, () => null);
        await expect(second).rejects.toMatchObject({ name: 'AppError', code: 'EXECUTION_LOCKED', retryable: true });
        // The lock is per service and environment: another pair is not held up.
        expect(await asAnotherWorker(w.deps.pool, 'locked', 'production', async () => 'ran')).toBe('ran');
        return claim;
      }, () => null);
      expect(first).toMatchObject({ fence: 1 });
      expect(await getEvent(w.db, event.eventId)).toMatchObject({ status: 'running', claimFence: 1, claimedBy: 'worker-a' });

      const b = await withClaimedRollback(workerB, event.eventId, 'worker-b', async ({ claim }) => claim, () => null);
      expect(b?.fence).toBe(2);
      expect(await getEvent(w.db, event.eventId)).toMatchObject({ claimFence: 2, claimedBy: 'worker-b' });
    } finally {
      await otherProcess.close();
    }
  });

  it('sends one statement at a time on the lock session, however many rollbacks of one process claim and release at once', async () => {
    const [a, b] = await Promise.all([approved('both-a'), approved('both-b')]);
    // A pool of its own whose clients count the statements they have in flight.
    const pool = new pg.Pool({ connectionString: w.tdb.url, max: 2 });
    let inFlight = 0;
    let most = 0;
    pool.on('connect', (client) => {
      const query = client.query.bind(client) as (...args: unknown[]) => Promise<unknown>;
      (client as unknown as { query: (...args: unknown[]) => Promise<unknown> }).query = (...args: unknown[]) => {
        most = Math.max(most, ++inFlight);
        return query(...args).finally(() => inFlight--);
      };
    });
    const locks = createExecutionLocks(pool, createLogger({ level: 'silent' }));
    try {
      const worker = { ...w.deps, locks };
      const claimed = await Promise.all([a, b].map((event) => withClaimedRollback(worker, event.eventId, 'worker-a', async ({ claim }) => claim.fence, () => null)));
      expect(claimed).toEqual([1, 1]);
      // node-postgres queues a statement sent while another runs, but warns that pg 9 will not: the session must not rely on it.
      expect(most).toBe(1);
    } finally {
      await locks.close();
      await pool.end();
    }
  });

  it('plans the claim once for the lock session, not on every rollback', async () => {
    const locks = createExecutionLocks(w.deps.pool, createLogger({ level: 'silent' }));
    try {
      const worker = { ...w.deps, locks };
      for (const service of ['plan-a', 'plan-b', 'plan-c']) {
        const event = await approved(service);
        expect(await withClaimedRollback(worker, event.eventId, 'worker-a', async ({ claim }) => claim.fence, () => null)).toBe(1);
      }
      // The session's own prepared statements, read on the session (a statement shaped like a claim's row).
      const read = {
        text: `select true as locked, 'none' as service, 'none' as environment,
          (select json_agg(json_build_object('generic', generic_plans, 'custom', custom_plans)) from pg_prepared_statements where name <> 'read_prepared_claims') as claims`,
        values: [],
        name: 'read_prepared_claims',
      };
      const plans = await locks.withLockedClaim(
        read,
        async (row: LockedClaimRow & { claims: Array<{ generic: number; custom: number }> }) => row.claims,
        () => null,
      );
      expect(plans).toEqual([{ generic: 3, custom: 0 }]);
    } finally {
      await locks.close();
    }
  });

  it('lets another worker take over once the holder has been quiet longer than the lease, on the fake clock', async () => {
    const event = await approved('lease');
    const a = (await claimRollback(w.db, event.eventId, 'worker-a', w.deps.clock))!;
    await a.begin('validate');
    expect(await getEvent(w.db, event.eventId)).toMatchObject({ heartbeatAt: T0, updatedAt: T0 });

    w.clock.advance(LEASE_MS);
    expect(await stale(w)).not.toContain(event.eventId);
    w.clock.advance(1);
    expect(await stale(w)).toContain(event.eventId);

    const b = (await claimRollback(w.db, event.eventId, 'worker-b', w.deps.clock))!;
    expect(b.fence).toBe(2);
    // The new holder resumes from the ledger the old one left.
    expect(b.steps).toEqual([{ step: 'validate', status: 'running', attempt: 1, started_at: T0.toISOString() }]);
    await b.begin('validate');
    const row = await getEvent(w.db, event.eventId);
    expect(row).toMatchObject({ status: 'running', claimFence: 2, claimedBy: 'worker-b', heartbeatAt: w.clock.now() });
    expect(row?.rollbackSteps).toEqual([{ step: 'validate', status: 'running', attempt: 2, started_at: w.clock.now().toISOString() }]);
  });

  it('refuses every write of a holder whose claim was taken over, and leaves the new holder\'s ledger as it was', async () => {
    const event = await approved('stale');
    const a = (await claimRollback(w.db, event.eventId, 'worker-a', w.deps.clock))!;
    await a.begin('validate');
    w.clock.advance(LEASE_MS + 1);
    const b = (await claimRollback(w.db, event.eventId, 'worker-b', w.deps.clock))!;
    await b.begin('validate');
    const before = await getEvent(w.db, event.eventId);

    w.clock.advance(1_000);
    await expect(a.end('validate', 'done', { compliant: true })).rejects.toMatchObject({ code: 'LOST_CLAIM', retryable: false });
    await expect(a.begin('snapshot')).rejects.toMatchObject({ code: 'LOST_CLAIM' });
    await expect(a.save({ status: 'succeeded' })).rejects.toMatchObject({ code: 'LOST_CLAIM' });

    const after = await getEvent(w.db, event.eventId);
    expect(after).toEqual(before);
    expect(after).toMatchObject({ status: 'running', claimFence: 2, claimedBy: 'worker-b' });
  });

  it('gives nothing to claim once the rollback is final, and refuses the last holder\'s writes after it', async () => {
    const event = await approved('final');
    const a = (await claimRollback(w.db, event.eventId, 'worker-a', w.deps.clock))!;
    await a.save({ status: 'succeeded', completedAt: w.clock.now() });

    expect(await claimRollback(w.db, event.eventId, 'worker-b', w.deps.clock)).toBeNull();
    await expect(a.begin('verify')).rejects.toMatchObject({ code: 'LOST_CLAIM' });
    expect(await getEvent(w.db, event.eventId)).toMatchObject({ status: 'succeeded', claimFence: 1, claimedBy: 'worker-a', completedAt: T0 });
  });

  // A worker process holds all its execution locks on one session, and session locks are re-entrant: without a check,
  // a rollback re-delivered to the process still executing it would take the lock again and claim it from under the
  // running execution.
  it('keeps a rollback out of the process that is still executing it, without touching that execution\'s claim', async () => {
    const event = await approved('again');
    const nothing = () => 'nothing' as const;
    const outcome = await withClaimedRollback(w.deps, event.eventId, 'worker-a', async ({ claim }) => {
      expect(claim.fence).toBe(1);
      const again = withClaimedRollback(w.deps, event.eventId, 'worker-a-again', async () => 'claimed twice' as const, nothing);
      await expect(again).rejects.toMatchObject({ name: 'AppError', code: 'EXECUTION_LOCKED', retryable: true });
      expect(await getEvent(w.db, event.eventId)).toMatchObject({ claimFence: 1, claimedBy: 'worker-a' });
      return 'executed' as const;
    }, nothing);
    expect(outcome).toBe('executed');
    // Released with the execution: the next delivery claims it.
    expect(await withClaimedRollback(w.deps, event.eventId, 'worker-b', async ({ claim }) => claim.fence, () => 0)).toBe(2);
  });

  it('keeps a rollback out while another session (another worker process) holds its lock', async () => {
    const event = await approved('other');
    await asAnotherWorker(w.deps.pool, 'other', 'staging', async () => {
      await expect(withClaimedRollback(w.deps, event.eventId, 'worker-b', async () => 'claimed', () => 'nothing')).rejects.toMatchObject({ code: 'EXECUTION_LOCKED' });
    });
    expect(await getEvent(w.db, event.eventId)).toMatchObject({ status: 'approved', claimFence: 0 });
    expect(await withClaimedRollback(w.deps, event.eventId, 'worker-b', async ({ claim }) => claim.fence, () => 0)).toBe(1);
  });

  // The claim stamps heartbeat_at, updated_at and started_at with the injected clock, as every later write (Claim.save)
  // and the reconciler's staleness cut-off do: with one clock in the comparison, a rollback claimed a moment ago never
  // looks stale, whatever the database's own clock says.
  it('stamps a fresh claim with the injected clock, so the reconciler does not see it as stale', async () => {
    const event = await approved('stamp');
    const claim = await claimRollback(w.db, event.eventId, 'worker-a', w.deps.clock);
    expect(claim?.fence).toBe(1);
    expect(await getEvent(w.db, event.eventId)).toMatchObject({ heartbeatAt: T0, updatedAt: T0, startedAt: T0 });
    expect(await stale(w)).not.toContain(event.eventId);
  });
});

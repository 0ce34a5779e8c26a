import { randomUUID } from 'node:crypto';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readServiceState } from '../../src/db/queries/snapshots.ts';
import { readStoredFacts } from '../../src/db/queries/rollback-facts.ts';
import { findHistory, findStaleActiveEvents, findVotes, findVotesForEvents, getActiveEvent } from '../../src/db/queries/rollback-events.ts';
import { approvals, deployments, healthSamples, rollbackEvents, type RollbackEventRow } from '../../src/db/schema/index.ts';
import { isUniqueViolation } from '../../src/errors/infra.ts';
import { readPushedObservations } from '../../src/health/pushed-observations.ts';
import { insertMigration } from '../../src/db/queries/migrations.ts';
import { insertDeployment, insertRollbackRow, insertSample } from '../support/layer/rows.ts';
import { createLayerWorld, type LayerWorld } from '../support/layer/world.ts';

// The queries in src/db/queries/ against rows written straight to a real database. Each test uses services of its own.

const T0 = new Date('2031-03-01T10:00:00.000Z');
const at = (minutes: number) => new Date(T0.getTime() + minutes * 60_000);

const rejectionOf = (p: Promise<unknown>) => p.then(() => null, (err: unknown) => err);

describe('rollback and deployment queries', () => {
  let w: LayerWorld;
  beforeAll(async () => {
    w = await createLayerWorld({ start: T0 });
  });
  /** The newest sample a snapshot records of a service and environment (readServiceState's). */
  const latestSample = async (service: string, environment: string, since: Date) => (await readServiceState(w.db, service, environment, since)).latest;
  afterAll(async () => {
    await w?.close();
  });

  const deployment = (service: string, environment = 'staging', version = 'v2.0.0', minutes = -30) =>
    insertDeployment(w.db, { service, environment, version, deployedAt: at(minutes), status: 'failed', healthy: false });

  it('finds the one active rollback per service and environment, and the index refuses a second', async () => {
    const prod = await deployment('act', 'production');
    const staging = await deployment('act', 'staging');
    const waiting = await insertRollbackRow(w.db, prod, { status: 'awaiting_approval', initiatedAt: at(0) });
    await insertRollbackRow(w.db, prod, { status: 'succeeded', initiatedAt: at(-10) });
    const running = await insertRollbackRow(w.db, staging, { status: 'running', initiatedAt: at(1) });

    expect((await getActiveEvent(w.db, 'act', 'production'))?.eventId).toBe(waiting.eventId);
    expect((await getActiveEvent(w.db, 'act', 'staging'))?.eventId).toBe(running.eventId);
    expect(await getActiveEvent(w.db, 'act', 'dev')).toBeNull();
    expect((await readStoredFacts(w.db, prod.deploymentId, waiting.eventId))?.otherRollbacks).toEqual([]);
    expect((await readStoredFacts(w.db, prod.deploymentId, randomUUID()))?.otherRollbacks).toEqual([waiting.eventId]);

    const second = await rejectionOf(insertRollbackRow(w.db, prod, { status: 'approved', initiatedAt: at(2) }));
    expect(isUniqueViolation(second, 'rollback_events_one_active_idx')).toBe(true);

    await w.db.update(rollbackEvents).set({ status: 'cancelled' }).where(eq(rollbackEvents.eventId, waiting.eventId));
    expect(await getActiveEvent(w.db, 'act', 'production')).toBeNull();
    const next = await insertRollbackRow(w.db, prod, { status: 'approved', initiatedAt: at(3) });
    expect((await getActiveEvent(w.db, 'act', 'production'))?.eventId).toBe(next.eventId);
  });

  it('pages history newest first by cursor and by offset, ties broken by id, with filters', async () => {
    const from = await deployment('hist');
    const other = await deployment('hist-other');
    const made: RollbackEventRow[] = [];
    // Seven rollbacks of hist, two of them started in the same millisecond, and one of another service in between.
    for (const [minutes, status] of [[0, 'succeeded'], [1, 'failed'], [2, 'succeeded'], [3, 'failed'], [3, 'succeeded'], [4, 'failed'], [5, 'rejected']] as const) {
      made.push(await insertRollbackRow(w.db, from, { status, initiatedAt: at(minutes) }));
    }
    await insertRollbackRow(w.db, other, { status: 'failed', initiatedAt: at(2.5) });
    const newestFirst = [...made].sort((a, b) => b.initiatedAt.getTime() - a.initiatedAt.getTime() || b.id - a.id).map((e) => e.eventId);
    expect(newestFirst.slice(2, 4)).toEqual([made[4]!.eventId, made[3]!.eventId]);

    const pages: string[][] = [];
    let cursor: { initiatedAt: Date; id: number } | undefined;
    for (;;) {
      const page = await findHistory(w.db, { service: 'hist', limit: 3, ...(cursor ? { cursor } : {}) });
      if (page.length === 0) break;
      pages.push(page.map((e) => e.eventId));
      const last = page.at(-1)!;
      cursor = { initiatedAt: last.initiatedAt, id: last.id };
    }
    expect(pages.map((p) => p.length)).toEqual([3, 3, 1]);
    expect(pages.flat()).toEqual(newestFirst);

    expect((await findHistory(w.db, { service: 'hist', limit: 3, offset: 3 })).map((e) => e.eventId)).toEqual(pages[1]);
    expect((await findHistory(w.db, { service: 'hist', status: 'failed', limit: 10 })).map((e) => e.initiatedAt)).toEqual([at(4), at(3), at(1)]);
    expect((await findHistory(w.db, { deploymentId: other.deploymentId, limit: 10 })).map((e) => e.service)).toEqual(['hist-other']);
  });

  it('lists votes in the order they were cast, for one rollback or a page of them, one per person', async () => {
    const from = await deployment('votes');
    const first = await insertRollbackRow(w.db, from, { status: 'awaiting_approval', initiatedAt: at(0) });
    const second = await insertRollbackRow(w.db, from, { status: 'succeeded', initiatedAt: at(-20) });
    const vote = (eventId: string, name: string, minutes: number, decision: 'approve' | 'reject' = 'approve') =>
      w.db.insert(approvals).values({ eventId, approver: `discord:${name}`, approverName: name, decision, reason: 'r', source: 'discord', planHash: 'h1', decidedAt: at(minutes) });
    await vote(first.eventId, 'alice', 2);
    await vote(first.eventId, 'bob', 1);
    await vote(first.eventId, 'carol', 1, 'reject');
    await vote(second.eventId, 'dave', -19);

    expect((await findVotes(w.db, first.eventId)).map((v) => `${v.approverName}:${v.decision}`)).toEqual(['bob:approve', 'carol:reject', 'alice:approve']);
    expect((await findVotesForEvents(w.db, [first.eventId, second.eventId])).map((v) => v.approverName)).toEqual(['dave', 'bob', 'carol', 'alice']);
    expect(await findVotesForEvents(w.db, [])).toEqual([]);
    expect(isUniqueViolation(await rejectionOf(vote(first.eventId, 'alice', 3)), 'approvals_event_approver_uq')).toBe(true);
  });

  it('finds the rollbacks the reconciler must look at: worker states only, untouched since the cut-off, oldest first', async () => {
    const rows: Record<string, RollbackEventRow> = {};
    for (const [name, status, minutes] of [
      ['st-approved', 'approved', -10],
      ['st-running', 'running', -30],
      ['st-verifying', 'verifying', -1],
      ['st-awaiting', 'awaiting_approval', -60],
      ['st-failed', 'failed', -60],
    ] as const) {
      rows[name] = await insertRollbackRow(w.db, await deployment(name), { status, initiatedAt: at(minutes - 5), updatedAt: at(minutes) });
    }
    const stale = async (cutoff: Date) => (await findStaleActiveEvents(w.db, cutoff)).filter((e) => e.service.startsWith('st-')).map((e) => e.service);
    expect(await stale(at(-5))).toEqual(['st-running', 'st-approved']);
    expect(await stale(at(-10))).toEqual(['st-running']);
    expect(await stale(at(0))).toEqual(['st-running', 'st-approved', 'st-verifying']);
  });

  it('picks the last known-good build before the bad one: success, health passed, not quarantined, another build', async () => {
    const service = 'tgt';
    const put = (version: string, minutes: number, over: { status?: 'success' | 'failed'; healthy?: boolean; gitCommit?: string } = {}) =>
      insertDeployment(w.db, { service, environment: 'production', version, deployedAt: at(minutes), ...over });
    const good = await put('v1.0.0', -300);
    const quarantined = await put('v1.1.0', -240);
    await w.db.update(deployments).set({ quarantined: true }).where(eq(deployments.deploymentId, quarantined.deploymentId));
    await put('v1.2.0', -180, { status: 'failed', healthy: false });
    await put('v1.3.0', -120, { healthy: false });
    await put('v2.0.0', -90, { gitCommit: 'samebuild' });
    const bad = await put('v2.0.0', -60, { status: 'failed', healthy: false, gitCommit: 'samebuild' });
    // Same service in another environment, and a newer good build: neither is a candidate.
    await insertDeployment(w.db, { service, environment: 'staging', version: 'v1.9.0', deployedAt: at(-70) });
    await put('v3.0.0', -10);

    expect((await readStoredFacts(w.db, bad.deploymentId, randomUUID()))?.target?.deploymentId).toBe(good.deploymentId);
  });
  it("finds the newest sample of any of a service's deployments, in its environment only", async () => {
    expect(await latestSample('newest', 'staging', at(-600))).toBeNull();
    const older = await deployment('newest', 'staging', 'v1.0.0', -60);
    const newer = await deployment('newest', 'staging', 'v2.0.0', -30);
    const elsewhere = await deployment('newest', 'production', 'v2.0.0', -30);
    const other = await deployment('other-service', 'staging', 'v2.0.0', -30);
    await insertSample(w.db, newer.deploymentId, at(-20), 1);
    // The older deployment reported last (a straggling exporter): the newest sample wins, whichever deployment it is of.
    await insertSample(w.db, older.deploymentId, at(-5), 2);
    await insertSample(w.db, newer.deploymentId, at(-10), 3);
    await insertSample(w.db, elsewhere.deploymentId, at(-1), 4);
    await insertSample(w.db, other.deploymentId, at(0), 5);
    const latest = await latestSample('newest', 'staging', at(-600));
    expect(latest).toMatchObject({ deploymentId: older.deploymentId, errorRatePerMinute: 2, observedAt: at(-5) });
    // Bounded in time: nothing since then, nothing found (older samples are never the service's state).
    expect(await latestSample('newest', 'staging', at(1))).toBeNull();
  });

  // The newest sample of a pair is kept by a trigger, a statement at a time: a bulk insert of many pairs and many rows
  // per pair (as a backfill or the year's dataset writes them) must leave each pair at its own newest row.
  it('keeps the newest sample of each pair through one insert of many pairs and rows, in any order', async () => {
    const a = await deployment('bulk-a', 'staging', 'v1.0.0', -60);
    const b = await deployment('bulk-b', 'staging', 'v1.0.0', -60);
    await w.db.insert(healthSamples).values([
      { deploymentId: a.deploymentId, source: 'pushed', observedAt: at(-3), errorRatePerMinute: 30 },
      { deploymentId: b.deploymentId, source: 'pushed', observedAt: at(-9), errorRatePerMinute: 90 },
      { deploymentId: a.deploymentId, source: 'pushed', observedAt: at(-1), errorRatePerMinute: 10 },
      { deploymentId: b.deploymentId, source: 'pushed', observedAt: at(-2), errorRatePerMinute: 20 },
      { deploymentId: a.deploymentId, source: 'pushed', observedAt: at(-7), errorRatePerMinute: 70 },
    ]);
    expect(await latestSample('bulk-a', 'staging', at(-600))).toMatchObject({ errorRatePerMinute: 10, observedAt: at(-1) });
    expect(await latestSample('bulk-b', 'staging', at(-600))).toMatchObject({ errorRatePerMinute: 20, observedAt: at(-2) });
    // A sample gone (retention dropped its day) is no longer anyone's state.
    await w.db.delete(healthSamples).where(eq(healthSamples.deploymentId, b.deploymentId));
    expect(await latestSample('bulk-b', 'staging', at(-600))).toBeNull();
  });

  // What the monitor, an assessment and a worker's claim judge a deployment's pushed samples on, read in the database.
  it("reads each pushed metric's newest value, the means of its windows, and samples up to the clock skew ahead", async () => {
    const d = await deployment('pushed', 'staging', 'v1.0.0', -60);
    const s = (minutes: number, values: Partial<typeof healthSamples.$inferInsert>) => ({ deploymentId: d.deploymentId, source: 'pushed', observedAt: at(minutes), ...values });
    // Out of order, as exporters send them; the newest sample reports no memory, so memory's newest is older.
    await w.db.insert(healthSamples).values([
      s(-3, { errorRatePerMinute: 30, memoryPct: 70 }),
      s(-2, { errorRatePerMinute: 20, memoryPct: null, recentErrors: 2 }),
      s(-4, { errorRatePerMinute: 40, memoryPct: 60, recentErrors: 4 }),
      // A minute ahead of backstop's clock, within monitoring.max_clock_skew: the newest. (To the millisecond.)
      s(1, { errorRatePerMinute: 11, observedAt: new Date(at(1).getTime() + 123) }),
      // Further ahead than the API ever stores (recordHealthSample refuses it): not read.
      s(5, { errorRatePerMinute: 99, memoryPct: 99 }),
      // Older than the longest window and stale_after: not read.
      s(-30, { errorRatePerMinute: 300, p95Ms: 300 }),
    ]);
    const read = await readPushedObservations(w.db, {
      deploymentIds: [d.deploymentId],
      windows: [{ metric: 'error_rate_per_minute', windowMs: 5 * 60_000 }, { metric: 'memory_pct', windowMs: 150_000 }],
      now: T0,
      staleAfterMs: 10 * 60_000,
      clockSkewMs: 2 * 60_000,
    });
    const pushed = read.get(d.deploymentId)!;
    expect(pushed.latest).toEqual({
      error_rate_per_minute: { value: 11, at: new Date(at(1).getTime() + 123) },
      memory_pct: { value: 70, at: at(-3) },
      recent_errors: { value: 2, at: at(-2) },
    });
    expect(pushed.windows.get('error_rate_per_minute@300000')).toEqual({ mean: (30 + 20 + 40 + 11) / 4, count: 4, at: new Date(at(1).getTime() + 123) });
    // Within the last two and a half minutes memory was reported once, at -2 min it was not: no reading since -3 min.
    expect(pushed.windows.get('memory_pct@150000')).toEqual({ mean: null, count: 0, at: null });
  });

  // A service's schema state is read by service and environment (an index of migration_history), so each row carries
  // its deployment's pair: set by the database on insert, whatever a writer passes or leaves out.
  it("keeps each migration under its deployment's service and environment, and reads a service's in the order applied", async () => {
    const first = await deployment('schema', 'staging', 'v1.0.0', -60);
    const second = await deployment('schema', 'staging', 'v2.0.0', -30);
    const elsewhere = await deployment('schema', 'production', 'v2.0.0', -30);
    const row = await insertMigration(w.db, { deploymentId: first.deploymentId, service: 'not-schema', environment: 'nowhere', migrationName: '0001_init', migrationHash: 'h1', reversibility: 'reversible', appliedAt: at(-59) });
    expect(row).toMatchObject({ service: 'schema', environment: 'staging' });
    // A writer that names no pair (a backfill, a script) gets its deployment's too.
    await w.db.execute(sql`
      insert into ops.migration_history (deployment_id, migration_name, migration_hash, reversibility, applied_at)
      values (${second.deploymentId}, '0002_add', 'h2', 'reversible', ${at(-29)}), (${elsewhere.deploymentId}, '0002_other', 'h9', 'reversible', ${at(-29)})`);
    const pairs = await w.db.execute<{ migration_name: string; service: string; environment: string }>(sql`
      select migration_name, service, environment from ops.migration_history where deployment_id in (${first.deploymentId}, ${second.deploymentId}, ${elsewhere.deploymentId}) order by id`);
    expect(pairs.rows).toEqual([
      { migration_name: '0001_init', service: 'schema', environment: 'staging' },
      { migration_name: '0002_add', service: 'schema', environment: 'staging' },
      { migration_name: '0002_other', service: 'schema', environment: 'production' },
    ]);
    expect((await readServiceState(w.db, 'schema', 'staging', at(-600))).migrations).toEqual([
      { name: '0001_init', hash: 'h1' },
      { name: '0002_add', hash: 'h2' },
    ]);
  });
});

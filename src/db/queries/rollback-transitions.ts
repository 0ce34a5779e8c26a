// The rollback state machine's writes. Each `where` is the transition's guard: a conditional one (status in …) lets
// exactly one of two racing writers win; an unconditional one relies on its caller having locked the row
// (getEventForUpdate) and checked the status in the same transaction.
import { and, eq, inArray, lte, notInArray, sql, type SQL } from 'drizzle-orm';
import { storedFactsQuery, type StoredFactsColumns } from './rollback-facts.ts';
import type { NewSnapshot } from './snapshots.ts';
import type { Queryable } from '../client.ts';
import { executePrepared, timestamptz } from '../prepared.ts';
import { FINAL_ROLLBACK_STATUSES, WORKER_ROLLBACK_STATUSES, rollbackEvents, type RollbackEventRow, type RollbackMetadata } from '../schema/index.ts';

export type EventPatch = Partial<Omit<typeof rollbackEvents.$inferInsert, 'eventId' | 'claimFence'>>;

const notFinal = () => notInArray(rollbackEvents.status, [...FINAL_ROLLBACK_STATUSES]);

/**
 * Takes the rollback for a worker by bumping its fence: approved or queued starts running, and running or verifying (a
 * crashed worker's) is taken over. Null when nothing is claimable.
 */
export async function claimEvent(q: Queryable, eventId: string, workerId: string, at: Date): Promise<RollbackEventRow | null> {
  const [row] = await claimUpdate(q, { eventId, workerId, at });
  return row ?? null;
}

/** A claim's values, or placeholders for them in a statement built once (lockedClaimQuery). */
export interface ClaimValues {
  eventId: string | SQL;
  workerId: string | SQL;
  at: Date | SQL;
}

function claimUpdate(q: Queryable, { eventId, workerId, at }: ClaimValues, also?: SQL) {
  const time = timestamptz(at);
  // The worker's clock, not the database's: the reconciler judges staleness by the same clock that stamps heartbeats.
  return q
    .update(rollbackEvents)
    .set({
      claimFence: sql`${rollbackEvents.claimFence} + 1`,
      claimedBy: workerId,
      heartbeatAt: time,
      status: sql`case when ${rollbackEvents.status} in ('approved', 'queued') then 'running'::ops.rollback_status else ${rollbackEvents.status} end`,
      startedAt: sql`coalesce(${rollbackEvents.startedAt}, ${time})`,
      updatedAt: time,
    })
    .where(and(eq(rollbackEvents.eventId, eventId), inArray(rollbackEvents.status, [...WORKER_ROLLBACK_STATUSES]), also))
    .returning();
}

/** The advisory lock of one service and environment: at most one rollback of a pair executes at a time. */
export const executionLockKey = (service: SQL | string, environment: SQL | string): SQL => sql`hashtextextended('backstop:' || ${service} || '/' || ${environment}, 0)`;

export interface LockedClaimColumns extends Partial<StoredFactsColumns> {
  /** Null when the rollback is not the workers' (final, or still awaiting approval): nothing was locked. */
  locked: boolean | null;
  service: string | null;
  environment: string | null;
  event: Record<string, unknown> | null;
  pre_snapshot_id: string | null;
}

/**
 * A worker's start in one statement, on the session that holds its process's locks: take the service's execution lock
 * (unless this very session holds it already), claim the rollback only if the lock was free, and read the facts its
 * validation and pre-rollback snapshot need (the state as of `stateSince`), with `also`'s columns of the claimed
 * deployment. The lock is a session lock: it outlives the statement, and the caller releases it.
 */
export function lockedClaimQuery(q: Queryable, values: ClaimValues & { stateSince: Date | SQL }, also?: (deploymentId: SQL) => SQL): SQL {
  const { eventId, stateSince } = values;
  const claimed = claimUpdate(q, values, sql`(select locked from lk)`);
  return sql`
    with ev as (
      select service, environment from ops.rollback_events
      where event_id = ${eventId} and status in (${sql.raw(WORKER_ROLLBACK_STATUSES.map((s) => `'${s}'`).join(', '))})
    ), lk as (
      -- Session locks are re-entrant: a lock this session already holds is another execution of this process.
      select case when exists (
          select 1 from pg_locks l
          where l.locktype = 'advisory' and l.granted and l.pid = pg_backend_pid() and l.objsubid = 1
            and l.classid = ((k.key >> 32) & 4294967295)::oid and l.objid = (k.key & 4294967295)::oid)
        then false else pg_try_advisory_lock(k.key) end as locked
      from (select ${executionLockKey(sql`ev.service`, sql`ev.environment`)} as key from ev) k
    ), claimed as ${claimed}
    select lk.locked, ev.service, ev.environment, row_to_json(c) as event,
      (select s.snapshot_id from ops.system_snapshots s where s.event_id = ${eventId} and s.snapshot_type = 'pre_rollback') as pre_snapshot_id,
      facts.*${also ? sql`, ${also(sql`c.deployment_id`)}` : sql``}
    from ev cross join lk
    left join claimed c on true
    left join lateral (${storedFactsQuery(sql`c.deployment_id`, sql`c.event_id`, stateSince)}) facts on true`;
}

/**
 * A claimed worker's write: only while `fence` is the newest claim and the rollback is not final. False when it did
 * not go through. Nothing else comes back: the worker keeps its own copy, and a row of plan and ledger JSON parsed on
 * every step was most of the write's cost.
 */
export async function updateClaimedEvent(q: Queryable, eventId: string, fence: number, patch: EventPatch): Promise<boolean> {
  // Named: a rollback writes its ledger several times, and each write of a step has the same text (its patch's keys).
  const { rows } = await executePrepared(q, claimedUpdate(q, eventId, fence, patch).getSQL());
  return rows.length > 0;
}

function claimedUpdate(q: Queryable, eventId: string, fence: number, patch: EventPatch) {
  return q
    .update(rollbackEvents)
    .set(patch)
    .where(and(eq(rollbackEvents.eventId, eventId), eq(rollbackEvents.claimFence, fence), notFinal()))
    .returning({ eventId: rollbackEvents.eventId });
}

/**
 * The same fenced write, with a snapshot of the rollback stored (or refreshed in place, keeping its id) in the same
 * statement, only if the write itself went through: a worker that lost its claim writes neither.
 */
export async function updateClaimedEventWithSnapshot(q: Queryable, eventId: string, fence: number, patch: EventPatch, snapshot: NewSnapshot): Promise<boolean> {
  const ev = claimedUpdate(q, eventId, fence, patch);
  const json = (v: unknown) => (v == null ? null : JSON.stringify(v));
  const { rows } = await executePrepared(q, sql`
    with ev as ${ev}, snap as (
      insert into ops.system_snapshots
        (snapshot_id, deployment_id, event_id, snapshot_type, database_schema_hash, table_counts, key_metrics, environment_config, created_at)
      select ${snapshot.snapshotId}::uuid, ${snapshot.deploymentId}::uuid, ev.event_id, ${snapshot.snapshotType}::ops.snapshot_type,
        ${snapshot.databaseSchemaHash ?? null}, ${json(snapshot.tableCounts)}::jsonb, ${json(snapshot.keyMetrics)}::jsonb,
        ${json(snapshot.environmentConfig)}::jsonb, ${(snapshot.createdAt ?? new Date()).toISOString()}::timestamptz
      from ev
      on conflict (event_id, snapshot_type) where event_id is not null do update set
        database_schema_hash = excluded.database_schema_hash, table_counts = excluded.table_counts, key_metrics = excluded.key_metrics,
        environment_config = excluded.environment_config, created_at = excluded.created_at
    )
    select 1 from ev`);
  return rows.length > 0;
}

/** Any non-final status → failed (a job that gave up for good); null when it had already ended. */
export async function markFailed(q: Queryable, eventId: string, reason: string, at: Date): Promise<RollbackEventRow | null> {
  const [row] = await q
    .update(rollbackEvents)
    .set({ status: 'failed', statusReason: reason, completedAt: at, updatedAt: at })
    .where(and(eq(rollbackEvents.eventId, eventId), notFinal()))
    .returning();
  return row ?? null;
}

/** The requester's own vote was enough at admission: the row was inserted in this same transaction. */
export async function markApproved(q: Queryable, eventId: string, at: Date): Promise<RollbackEventRow> {
  const [row] = await q.update(rollbackEvents).set({ status: 'approved', approvedAt: at, updatedAt: at }).where(eq(rollbackEvents.eventId, eventId)).returning();
  return row!;
}

/** The columns a decided vote sets: approved waits for a worker, rejected and expired are final. */
export function decidedPatch(status: 'approved' | 'rejected' | 'expired', statusReason: string | null, at: Date): EventPatch {
  return { status, statusReason, approvedAt: status === 'approved' ? at : null, completedAt: status === 'approved' ? null : at, updatedAt: at };
}

/** A vote settled it (approved, rejected), or came too late (expired). The caller holds the row lock and saw awaiting_approval. */
export async function markDecided(q: Queryable, eventId: string, status: 'approved' | 'rejected' | 'expired', statusReason: string | null, at: Date): Promise<RollbackEventRow> {
  const [row] = await q.update(rollbackEvents).set(decidedPatch(status, statusReason, at)).where(eq(rollbackEvents.eventId, eventId)).returning();
  return row!;
}

/** awaiting_approval → approved when an auto_with_veto countdown ends; null when a veto (reject or cancel) came first. */
export async function markAutoApproved(q: Queryable, eventId: string, at: Date): Promise<RollbackEventRow | null> {
  const [row] = await q
    .update(rollbackEvents)
    .set({ status: 'approved', approvedAt: at, updatedAt: at, statusReason: null })
    .where(and(eq(rollbackEvents.eventId, eventId), eq(rollbackEvents.status, 'awaiting_approval')))
    .returning();
  return row ?? null;
}

/**
 * A stronger monitor decision raises a rollback still awaiting approval: `approve` moves it to approved, and the
 * metadata says why. Null when a person decided first.
 */
export async function markRaised(q: Queryable, eventId: string, raise: { approve: boolean; metadata: RollbackMetadata }, at: Date): Promise<RollbackEventRow | null> {
  const [row] = await q
    .update(rollbackEvents)
    .set({
      ...(raise.approve ? { status: 'approved' as const, approvedAt: at } : {}),
      metadata: sql`coalesce(${rollbackEvents.metadata}, '{}'::jsonb) || ${JSON.stringify(raise.metadata)}::jsonb`,
      updatedAt: at,
    })
    .where(and(eq(rollbackEvents.eventId, eventId), eq(rollbackEvents.status, 'awaiting_approval')))
    .returning();
  return row ?? null;
}

/** Every request still awaiting approval past its deadline → expired; returns those it expired. */
export async function markOverdueExpired(q: Queryable, reason: string, at: Date): Promise<RollbackEventRow[]> {
  return q
    .update(rollbackEvents)
    .set({ status: 'expired', statusReason: reason, completedAt: at, updatedAt: at })
    .where(and(eq(rollbackEvents.status, 'awaiting_approval'), lte(rollbackEvents.expiresAt, at)))
    .returning();
}

/** → cancelled. The caller holds the row lock and checked the status is still cancellable. */
export async function markCancelled(q: Queryable, eventId: string, statusReason: string, at: Date): Promise<RollbackEventRow> {
  const [row] = await q
    .update(rollbackEvents)
    .set({ status: 'cancelled', statusReason, completedAt: at, updatedAt: at })
    .where(eq(rollbackEvents.eventId, eventId))
    .returning();
  return row!;
}

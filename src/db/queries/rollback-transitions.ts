// The rollback state machine's writes. Each `where` is the transition's guard: a conditional one (status in …) lets
// exactly one of two racing writers win; an unconditional one relies on its caller having locked the row
// (getEventForUpdate) and checked the status in the same transaction.
import { and, eq, inArray, lte, notInArray, sql } from 'drizzle-orm';
import type { Queryable } from '../client.ts';
import { FINAL_ROLLBACK_STATUSES, WORKER_ROLLBACK_STATUSES, rollbackEvents, type RollbackEventRow, type RollbackMetadata } from '../schema/index.ts';

export type EventPatch = Partial<Omit<typeof rollbackEvents.$inferInsert, 'eventId' | 'claimFence'>>;

const notFinal = () => notInArray(rollbackEvents.status, [...FINAL_ROLLBACK_STATUSES]);

/** approved → queued once the job is on the queue; a rollback already claimed or ended is left alone. */
export async function markQueued(q: Queryable, eventId: string, at: Date): Promise<void> {
  await q
    .update(rollbackEvents)
    .set({ status: 'queued', updatedAt: at })
    .where(and(eq(rollbackEvents.eventId, eventId), eq(rollbackEvents.status, 'approved')));
}

/**
 * Takes the rollback for a worker by bumping its fence: approved or queued starts running, and running or verifying (a
 * crashed worker's) is taken over. Null when nothing is claimable.
 */
export async function claimEvent(q: Queryable, eventId: string, workerId: string, at: Date): Promise<RollbackEventRow | null> {
  // The worker's clock, not the database's: the reconciler judges staleness by the same clock that stamps heartbeats.
  const [row] = await q
    .update(rollbackEvents)
    .set({
      claimFence: sql`${rollbackEvents.claimFence} + 1`,
      claimedBy: workerId,
      heartbeatAt: at,
      status: sql`case when ${rollbackEvents.status} in ('approved', 'queued') then 'running'::ops.rollback_status else ${rollbackEvents.status} end`,
      startedAt: sql`coalesce(${rollbackEvents.startedAt}, ${at.toISOString()}::timestamptz)`,
      updatedAt: at,
    })
    .where(and(eq(rollbackEvents.eventId, eventId), inArray(rollbackEvents.status, [...WORKER_ROLLBACK_STATUSES])))
    .returning();
  return row ?? null;
}

/** A claimed worker's write: only while `fence` is the newest claim and the rollback is not final; else null. */
export async function updateClaimedEvent(q: Queryable, eventId: string, fence: number, patch: EventPatch): Promise<RollbackEventRow | null> {
  const [row] = await q
    .update(rollbackEvents)
    .set(patch)
    .where(and(eq(rollbackEvents.eventId, eventId), eq(rollbackEvents.claimFence, fence), notFinal()))
    .returning();
  return row ?? null;
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

/** A vote settled it (approved, rejected), or came too late (expired). The caller holds the row lock and saw awaiting_approval. */
export async function markDecided(q: Queryable, eventId: string, status: 'approved' | 'rejected' | 'expired', statusReason: string | null, at: Date): Promise<RollbackEventRow> {
  const [row] = await q
    .update(rollbackEvents)
    .set({ status, statusReason, approvedAt: status === 'approved' ? at : null, completedAt: status === 'approved' ? null : at, updatedAt: at })
    .where(eq(rollbackEvents.eventId, eventId))
    .returning();
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

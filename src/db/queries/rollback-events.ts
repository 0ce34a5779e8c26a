import { and, asc, desc, eq, gt, inArray, lt, or, sql, type SQL } from 'drizzle-orm';
import type { Queryable } from '../client.ts';
import { ACTIVE_ROLLBACK_STATUSES, FINAL_ROLLBACK_STATUSES, WORKER_ROLLBACK_STATUSES, approvals, rollbackEvents, type RollbackEventRow } from '../schema/index.ts';

export type RollbackStatus = RollbackEventRow['status'];
export const isFinal = (status: RollbackStatus) => (FINAL_ROLLBACK_STATUSES as readonly string[]).includes(status);

export async function getEvent(q: Queryable, eventId: string): Promise<RollbackEventRow | null> {
  const [row] = await q.select().from(rollbackEvents).where(eq(rollbackEvents.eventId, eventId)).limit(1);
  return row ?? null;
}

export async function getEventForUpdate(q: Queryable, eventId: string): Promise<RollbackEventRow | null> {
  const [row] = await q.select().from(rollbackEvents).where(eq(rollbackEvents.eventId, eventId)).for('update').limit(1);
  return row ?? null;
}

/** Active rollbacks of one service and environment (the partial unique index allows one). */
const activeIn = (service: string, environment: string) =>
  and(eq(rollbackEvents.service, service), eq(rollbackEvents.environment, environment), inArray(rollbackEvents.status, [...ACTIVE_ROLLBACK_STATUSES]));

export async function getActiveEvent(q: Queryable, service: string, environment: string): Promise<RollbackEventRow | null> {
  const [row] = await q.select().from(rollbackEvents).where(activeIn(service, environment)).limit(1);
  return row ?? null;
}

/** The request row, written at admission with its plan and validation; the one-active index may refuse it. */
export async function insertEvent(q: Queryable, values: typeof rollbackEvents.$inferInsert): Promise<RollbackEventRow> {
  const [row] = await q.insert(rollbackEvents).values(values).returning();
  return row!;
}

/** A re-derived plan replaces the stored one (and with it what earlier approvals were bound to). */
export async function updateEventPlan(
  q: Queryable,
  eventId: string,
  plan: Pick<typeof rollbackEvents.$inferInsert, 'rollbackPlan' | 'planHash' | 'targetDeploymentId' | 'constitutionalValidation'>,
  at: Date,
): Promise<RollbackEventRow> {
  const [row] = await q
    .update(rollbackEvents)
    .set({ ...plan, updatedAt: at })
    .where(eq(rollbackEvents.eventId, eventId))
    .returning();
  return row!;
}

/** Rollbacks of one service the monitor started by itself since `since`: what the circuit breaker counts. */
export async function countAutomaticRollbacksSince(q: Queryable, service: string, environment: string, since: Date): Promise<number> {
  const [row] = await q
    .select({ n: sql<number>`count(*)::int` })
    .from(rollbackEvents)
    .where(
      and(
        eq(rollbackEvents.service, service),
        eq(rollbackEvents.environment, environment),
        gt(rollbackEvents.initiatedAt, since),
        sql`${rollbackEvents.metadata}->>'automation' in ('auto', 'auto_with_veto')`,
      ),
    );
  return row?.n ?? 0;
}

/**
 * Rollbacks due their later recheck: succeeded at least `recheckAfterMs` ago (looking back a day past that), or
 * failed in verification. A recheck decision row marks one done, so each is rechecked once.
 */
export async function findRollbacksDueRecheck(q: Queryable, now: Date, recheckAfterMs: number): Promise<string[]> {
  const due = await q.execute<{ event_id: string }>(sql`
    select e.event_id from ops.rollback_events e
    where e.completed_at > ${new Date(now.getTime() - recheckAfterMs - 24 * 3_600_000)}
      and ((e.status = 'succeeded' and e.completed_at <= ${new Date(now.getTime() - recheckAfterMs)})
        or (e.status = 'failed' and e.rollback_steps @> '[{"step":"verify","status":"failed"}]'::jsonb))
      and not exists (select 1 from ops.health_decisions h where h.event_id = e.event_id and h.action like 'recheck_%')
    order by e.completed_at limit 50`);
  return due.rows.map((r) => r.event_id);
}

/** One person's vote, bound to the plan hash it was cast on; a second vote by the same person violates a unique index. */
export async function insertVote(q: Queryable, values: typeof approvals.$inferInsert): Promise<void> {
  await q.insert(approvals).values(values);
}

export async function findVotes(q: Queryable, eventId: string) {
  return q.select().from(approvals).where(eq(approvals.eventId, eventId)).orderBy(asc(approvals.decidedAt), asc(approvals.id));
}

/** The votes on a page of rollbacks in one query (not one per row), in the order they were cast. */
export async function findVotesForEvents(q: Queryable, eventIds: string[]) {
  if (eventIds.length === 0) return [];
  return q.select().from(approvals).where(inArray(approvals.eventId, eventIds)).orderBy(asc(approvals.decidedAt), asc(approvals.id));
}

export interface HistoryFilter {
  service?: string;
  environment?: string;
  status?: RollbackStatus;
  deploymentId?: string;
  limit: number;
  /** Opaque cursor from a previous page: the (initiated_at, id) of its last row. */
  cursor?: { initiatedAt: Date; id: number };
  /** Rows to skip: Discord's Previous/Next paging, which only ever goes a few pages deep. */
  offset?: number;
}

/** Newest first, keyset-paginated so a page costs the same on row 10 and row 1,000,000. */
export async function findHistory(q: Queryable, filter: HistoryFilter): Promise<RollbackEventRow[]> {
  const where: SQL[] = [];
  if (filter.service) where.push(eq(rollbackEvents.service, filter.service));
  if (filter.environment) where.push(eq(rollbackEvents.environment, filter.environment));
  if (filter.status) where.push(eq(rollbackEvents.status, filter.status));
  if (filter.deploymentId) where.push(eq(rollbackEvents.deploymentId, filter.deploymentId));
  if (filter.cursor) {
    const c = filter.cursor;
    where.push(
      or(lt(rollbackEvents.initiatedAt, c.initiatedAt), and(eq(rollbackEvents.initiatedAt, c.initiatedAt), lt(rollbackEvents.id, c.id)))!,
    );
  }
  return q
    .select()
    .from(rollbackEvents)
    .where(where.length ? and(...where) : undefined)
    .orderBy(desc(rollbackEvents.initiatedAt), desc(rollbackEvents.id))
    .limit(filter.limit)
    .offset(filter.offset ?? 0);
}

/** Rows the reconciler must look at: approved/queued/running/verifying, untouched for a while. */
export async function findStaleActiveEvents(q: Queryable, olderThan: Date, limit = 100) {
  return q
    .select()
    .from(rollbackEvents)
    .where(
      and(inArray(rollbackEvents.status, [...WORKER_ROLLBACK_STATUSES]), lt(rollbackEvents.updatedAt, olderThan)),
    )
    .orderBy(asc(rollbackEvents.updatedAt))
    .limit(limit);
}

import { sql } from 'drizzle-orm';
import type { Queryable } from '../client.ts';

// Expiry of ops.health_decisions, in batches walked along the primary key. decided_at has no index of its own to
// find the expired rows by; the walk reads every row once per run, a bounded window of ids per statement. It does not
// assume that ids follow decided_at (rows loaded or restored in another order still expire).

/** The highest id now: the walk ends there, so rows inserted meanwhile (none of them expired) do not prolong it. */
export async function getLastDecisionId(q: Queryable): Promise<number | null> {
  const res = await q.execute<{ id: string | null }>(sql`select max(id) as id from ops.health_decisions`);
  return res.rows[0]?.id == null ? null : Number(res.rows[0].id);
}

/**
 * Looks at the next `limit` ids in (after, through] and deletes those decided before `cutoff`, in one statement (its
 * own transaction, so a run killed in the middle leaves whole batches deleted and nothing half done). Returns the
 * count and the last id looked at, where the next batch starts (null: nothing was left to look at).
 *
 * A firing alert's decision stays until its resolution arrives, however old: it is what makes the alert count as
 * firing (firingAlertsJson, the same rule in health-decisions.ts; keep the two in step), so expiry never changes what
 * an assessment answers. A resolution is written after the decision it resolves, so in id order it never outlives it.
 */
export async function deleteExpiredDecisions(
  q: Queryable,
  input: { cutoff: Date; after: number; through: number; limit: number },
): Promise<{ deleted: number; lastId: number | null }> {
  const res = await q.execute<{ deleted: string; last_id: string | null }>(sql`
    with batch as (
      select h.id, h.decided_at, h.deployment_id, h.evidence->'fired'->0->>'fingerprint' as fingerprint
      from ops.health_decisions h
      where h.id > ${input.after} and h.id <= ${input.through}
      order by h.id limit ${input.limit}
    ),
    doomed as (
      delete from ops.health_decisions d using batch b
      where d.id = b.id and b.decided_at < ${input.cutoff}
        and (b.fingerprint is null or exists (
          select 1 from ops.health_decisions r
          where r.deployment_id = b.deployment_id and r.action = 'alert_resolved'
            and r.evidence->>'fingerprint' = b.fingerprint and r.decided_at >= b.decided_at))
      returning d.id
    )
    select (select count(*) from doomed) as deleted, (select max(id) from batch) as last_id`);
  const row = res.rows[0];
  return { deleted: Number(row?.deleted ?? 0), lastId: row?.last_id == null ? null : Number(row.last_id) };
}

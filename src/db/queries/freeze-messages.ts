import { eq, sql } from 'drizzle-orm';
import type { Queryable } from '../client.ts';
import { freezeMessages, type FreezeMessageRow } from '../schema/index.ts';

/** What a freeze card or a pass message shows: a freeze set by hand, or a pass through freezes. */
export interface CardSubject {
  kind: 'freeze' | 'pass';
  id: string;
}

const columnOf = (s: CardSubject) => (s.kind === 'freeze' ? freezeMessages.freezeId : freezeMessages.passId);

export async function getFreezeMessage(q: Queryable, s: CardSubject): Promise<FreezeMessageRow | null> {
  const [row] = await q.select().from(freezeMessages).where(eq(columnOf(s), s.id)).limit(1);
  return row ?? null;
}

/** Records a posted message; if another process recorded one first, theirs wins and is returned. */
export async function recordFreezeMessage(q: Queryable, s: CardSubject, m: { channelId: string; messageId: string; renderedState: string }): Promise<FreezeMessageRow> {
  const subject = s.kind === 'freeze' ? { freezeId: s.id } : { passId: s.id };
  const [inserted] = await q.insert(freezeMessages).values({ ...subject, ...m }).onConflictDoNothing().returning();
  return inserted ?? (await getFreezeMessage(q, s))!;
}

/** Forgets a message that was deleted in Discord, so the next render posts a fresh one. */
export async function deleteFreezeMessage(q: Queryable, s: CardSubject): Promise<void> {
  await q.delete(freezeMessages).where(eq(columnOf(s), s.id));
}

export async function markFreezeMessageRendered(q: Queryable, id: number, state: string): Promise<void> {
  await q.update(freezeMessages).set({ renderedState: state }).where(eq(freezeMessages.id, id));
}

/**
 * The freezes and passes whose message is missing or shows a state their row has left: a freeze that ended by itself
 * (nothing else ever tells its card), anything changed or set while Discord was unreachable, and what the CLI did (it
 * posts nothing itself). The states are the cards' freezeCardState and passCardState in SQL; keep them in step.
 * Changes by a person are left to the live path until `window.to`; a missing message is looked for within the window,
 * or for as long as its freeze is in force.
 */
export async function findFreezeCardsBehind(q: Queryable, window: { from: Date; to: Date; now: Date }, limit: number): Promise<CardSubject[]> {
  const { from, to, now } = window;
  const passState = sql`case when p.used_at is not null then 'used' when p.expires_at <= ${now} then 'expired' when p.granted_at is not null then 'granted' else 'requested' end`;
  const rows = await q.execute<{ kind: 'freeze' | 'pass'; id: string; at: Date }>(sql`
    select kind, id from (
      select 'freeze' as kind, f.freeze_id as id, f.starts_at as at from ops.freeze_messages m
      join ops.freezes f on f.freeze_id = m.freeze_id
      where m.rendered_state = 'active' and ((f.lifted_at is not null and f.lifted_at <= ${to}) or (f.lifted_at is null and f.ends_at <= ${now}))
      union all
      select 'freeze', f.freeze_id, f.starts_at from ops.freezes f
      where f.starts_at <= ${to} and (f.starts_at >= ${from} or (f.lifted_at is null and f.ends_at > ${now}))
        and not exists (select 1 from ops.freeze_messages m where m.freeze_id = f.freeze_id)
      union all
      select 'pass', p.pass_id, p.requested_at from ops.freeze_messages m
      join ops.deploy_passes p on p.pass_id = m.pass_id
      where m.rendered_state in ('requested', 'granted') and ${passState} <> m.rendered_state and (p.granted_at is null or p.granted_at <= ${to})
      union all
      select 'pass', p.pass_id, p.requested_at from ops.deploy_passes p
      where p.requested_at between ${from} and ${to}
        and not exists (select 1 from ops.freeze_messages m where m.pass_id = p.pass_id)
    ) behind
    order by at limit ${limit}`);
  return rows.rows.map((r) => ({ kind: r.kind, id: r.id }));
}

import { eq, sql } from 'drizzle-orm';
import type { Queryable } from '../client.ts';
import { freezeMessages, UNANSWERED_AFTER_ATTEMPTS, type FreezeMessageRow } from '../schema/index.ts';

/** What a freeze card, a pass message or a GitHub deployment's card shows: the row's id, by kind. */
export interface CardSubject {
  kind: 'freeze' | 'pass' | 'github';
  id: string;
}

const COLUMN = { freeze: 'freezeId', pass: 'passId', github: 'githubRequestId' } as const satisfies Record<CardSubject['kind'], keyof FreezeMessageRow>;
const columnOf = (s: CardSubject) => freezeMessages[COLUMN[s.kind]];

export async function getFreezeMessage(q: Queryable, s: CardSubject): Promise<FreezeMessageRow | null> {
  const [row] = await q.select().from(freezeMessages).where(eq(columnOf(s), s.id)).limit(1);
  return row ?? null;
}

/** Records a posted message; if another process recorded one first, theirs wins and is returned. */
export async function recordFreezeMessage(q: Queryable, s: CardSubject, m: { channelId: string; messageId: string; renderedState: string }): Promise<FreezeMessageRow> {
  const subject = { [COLUMN[s.kind]]: s.id };
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
 * The freezes, passes and held GitHub deployments whose message is missing or shows a state their row has left: a
 * freeze that ended by itself (nothing else ever tells its card), anything changed or set while Discord was
 * unreachable, and what the CLI did (it posts nothing itself). The states are the cards' freezeCardState,
 * passCardState, githubCardState and deservesGithubCard in SQL; keep them in step. Changes by a person are left to the
 * live path until `window.to`; a missing message is looked for within the window, or for as long as its freeze is in
 * force or its deployment waits.
 */
export async function findFreezeCardsBehind(q: Queryable, window: { from: Date; to: Date; now: Date }, limit: number): Promise<CardSubject[]> {
  const { from, to, now } = window;
  const githubState = sql`case when r.state in ('approved', 'rejected', 'failed') then r.state when r.last_error is not null and r.attempts >= ${UNANSWERED_AFTER_ATTEMPTS} then 'unanswered' else 'waiting' end`;
  const passState = sql`case when p.used_at is not null then 'used' when p.expires_at <= ${now} then 'expired' when p.granted_at is not null then 'granted' else 'requested' end`;
  const rows = await q.execute<{ kind: CardSubject['kind']; id: string; at: Date }>(sql`
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
      union all
      select 'github', r.request_id, r.received_at from ops.freeze_messages m
      join ops.github_protection_requests r on r.request_id = m.github_request_id
      where m.rendered_state in ('waiting', 'unanswered') and ${githubState} <> m.rendered_state and (r.answered_at is null or r.answered_at <= ${to})
      union all
      select 'github', r.request_id, r.received_at from ops.github_protection_requests r
      where r.received_at <= ${to} and (r.received_at >= ${from} or r.state = 'waiting')
        and (r.state in ('waiting', 'failed') or r.commented_at is not null or r.attempts > 1)
        and not exists (select 1 from ops.freeze_messages m where m.github_request_id = r.request_id)
    ) behind
    order by at limit ${limit}`);
  return rows.rows.map((r) => ({ kind: r.kind, id: r.id }));
}

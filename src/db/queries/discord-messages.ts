import { and, eq, sql } from 'drizzle-orm';
import type { Queryable } from '../client.ts';
import { discordMessages, escalationPredicate, type DiscordMessageRow } from '../schema/index.ts';

/** Every message recorded for one rollback: its card and each announcement. */
export async function findDiscordMessages(q: Queryable, eventId: string): Promise<DiscordMessageRow[]> {
  return q.select().from(discordMessages).where(eq(discordMessages.eventId, eventId));
}

export async function findDiscordMessage(q: Queryable, eventId: string, purpose: string): Promise<DiscordMessageRow | null> {
  const [row] = await q
    .select()
    .from(discordMessages)
    .where(and(eq(discordMessages.eventId, eventId), eq(discordMessages.purpose, purpose)))
    .limit(1);
  return row ?? null;
}

/** Records a posted message; if another process recorded one first, theirs wins and is returned. */
export async function recordDiscordMessage(
  q: Queryable,
  row: { eventId: string; purpose: string; channelId: string; messageId: string; renderedStatus?: string },
): Promise<DiscordMessageRow> {
  const [inserted] = await q.insert(discordMessages).values(row).onConflictDoNothing().returning();
  return inserted ?? (await findDiscordMessage(q, row.eventId, row.purpose))!;
}

/** Forgets a recorded message that was deleted in Discord, so the next render posts a fresh one. */
export async function deleteDiscordMessage(q: Queryable, eventId: string, purpose: string): Promise<void> {
  await q.delete(discordMessages).where(and(eq(discordMessages.eventId, eventId), eq(discordMessages.purpose, purpose)));
}

/** Rollbacks whose card is missing or shows an older status than the event has: what a Discord outage left behind. */
export async function findCardsBehind(q: Queryable, window: { from: Date; to: Date }, limit: number): Promise<string[]> {
  const rows = await q.execute<{ event_id: string }>(sql`
    select e.event_id from ops.rollback_events e
    left join ops.discord_messages c on c.event_id = e.event_id and c.purpose = 'card'
    where e.updated_at between ${window.from} and ${window.to}
      and (c.id is null or c.rendered_status is distinct from e.status::text)
    order by e.updated_at limit ${limit}`);
  return rows.rows.map((r) => r.event_id);
}

/**
 * Rollbacks that owe the channel an announcement no message records: a final outcome (succeeded, failed, expired, or
 * refused by the constitution, at request or by the worker) or an escalation. The same rule as outcomesOf
 * (discord/outcomes-owed.ts), in SQL, so the sweep reads only what is owed; keep the two in step.
 */
export async function findEventsOwingOutcomes(q: Queryable, window: { from: Date; to: Date }, constitutionRefused: string, limit: number): Promise<string[]> {
  const rows = await q.execute<{ event_id: string }>(sql`
    select event_id from (
      select e.event_id, e.completed_at as at from ops.rollback_events e
      where e.completed_at between ${window.from} and ${window.to}
        and (e.status in ('succeeded', 'failed', 'expired') or (e.status = 'rejected' and starts_with(e.status_reason, ${constitutionRefused})))
        and not exists (select 1 from ops.discord_messages o where o.event_id = e.event_id
          and o.purpose = 'outcome:' || case when e.status = 'rejected' then 'constitutional_violation' else e.status::text end)
      union all
      select h.event_id, h.decided_at from ops.health_decisions h
      where h.decided_at between ${window.from} and ${window.to} and ${escalationPredicate('h.action')} and h.event_id is not null
        and not exists (select 1 from ops.discord_messages o where o.event_id = h.event_id
          and (o.purpose = 'outcome:escalated:' || h.id or (o.purpose = 'outcome:escalated' and o.created_at >= h.decided_at)))
    ) owed
    group by event_id order by min(at) limit ${limit}`);
  return rows.rows.map((r) => r.event_id);
}

export async function markRendered(q: Queryable, id: number, status: string): Promise<void> {
  await q.update(discordMessages).set({ renderedStatus: status }).where(eq(discordMessages.id, id));
}

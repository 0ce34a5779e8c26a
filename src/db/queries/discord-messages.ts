import { and, between, eq, inArray, or, sql } from 'drizzle-orm';
import type { Queryable } from '../client.ts';
import { discordMessages, rollbackEvents, type DiscordMessageRow, type RollbackEventRow } from '../schema/index.ts';

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

/** Final rollbacks whose outcome was never announced. */
export async function findUnannouncedOutcomes(q: Queryable, window: { from: Date; to: Date }, constitutionRefused: string, limit: number): Promise<RollbackEventRow[]> {
  return q
    .select()
    .from(rollbackEvents)
    .where(
      and(
        between(rollbackEvents.completedAt, window.from, window.to),
        or(inArray(rollbackEvents.status, ['succeeded', 'failed', 'expired']), and(eq(rollbackEvents.status, 'rejected'), eq(rollbackEvents.statusReason, constitutionRefused))),
        // The announcement of this status in particular (an escalation posted earlier is a different message).
        sql`not exists (select 1 from ops.discord_messages o where o.event_id = ${rollbackEvents.eventId}
          and o.purpose = 'outcome:' || case when ${rollbackEvents.status} = 'rejected' then 'constitutional_violation' else ${rollbackEvents.status}::text end)`,
      ),
    )
    .orderBy(rollbackEvents.completedAt)
    .limit(limit);
}

export async function markRendered(q: Queryable, id: number, status: string): Promise<void> {
  await q.update(discordMessages).set({ renderedStatus: status }).where(eq(discordMessages.id, id));
}

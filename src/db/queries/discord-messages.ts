import { and, eq } from 'drizzle-orm';
import type { Queryable } from '../client.ts';
import { discordMessages, type DiscordMessageRow } from '../schema/index.ts';

export async function findDiscordMessage(q: Queryable, eventId: string, purpose: string): Promise<DiscordMessageRow | null> {
  const [row] = await q
    .select()
    .from(discordMessages)
    .where(and(eq(discordMessages.eventId, eventId), eq(discordMessages.purpose, purpose)))
    .limit(1);
  return row ?? null;
}

/** Records a posted message; if another process recorded one first, theirs wins and is returned. */
export async function recordDiscordMessage(q: Queryable, row: { eventId: string; purpose: string; channelId: string; messageId: string }): Promise<DiscordMessageRow> {
  const [inserted] = await q.insert(discordMessages).values(row).onConflictDoNothing().returning();
  return inserted ?? (await findDiscordMessage(q, row.eventId, row.purpose))!;
}

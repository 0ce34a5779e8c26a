import { text, timestamp, uniqueIndex, uuid, bigserial } from 'drizzle-orm/pg-core';
import { ops } from './ops.ts';
import { rollbackEvents } from './rollback-events.ts';

// Which Discord message shows what, so any process (gateway or worker) edits the same card instead of posting a new
// one, and an outcome is announced once however many times its notice is delivered.
export const discordMessages = ops.table(
  'discord_messages',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    eventId: uuid('event_id')
      .notNull()
      .references(() => rollbackEvents.eventId),
    // 'card' is the one message edited in place; 'outcome:<kind>' are the announcements that may ping on-call.
    purpose: text('purpose').notNull(),
    channelId: text('channel_id').notNull(),
    messageId: text('message_id').notNull(),
    // The rollback status the message shows; the delivery sweep re-renders cards that lag behind the event.
    renderedStatus: text('rendered_status'),
    createdAt: timestamp('created_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('discord_messages_event_purpose_idx').on(t.eventId, t.purpose)],
);

export type DiscordMessageRow = typeof discordMessages.$inferSelect;

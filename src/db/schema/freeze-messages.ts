import { sql } from 'drizzle-orm';
import { bigserial, check, foreignKey, index, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { deployPasses, freezes, githubProtectionRequests } from './freezes.ts';
import { ops } from './ops.ts';

/** What a freeze card or a pass message shows; the delivery sweep re-renders the open ones their row has moved past. */
export type FreezeCardState = 'active' | 'lifted' | 'ended';
export type PassCardState = 'requested' | 'granted' | 'used' | 'expired';
/** A GitHub deployment the gate held: waiting (on freezes), unanswered (GitHub keeps failing), then how it ended. */
export type GithubCardState = 'waiting' | 'unanswered' | 'approved' | 'rejected' | 'failed';
/** Answers GitHub failed to take, each a tick apart, before a waiting deployment's card says GitHub is not answering. */
export const UNANSWERED_AFTER_ATTEMPTS = 3;
/** The states a row can still leave: only messages showing one of these can fall behind. */
const OPEN_CARD_STATES = ['active', 'requested', 'granted', 'waiting', 'unanswered'] as const satisfies ReadonlyArray<FreezeCardState | PassCardState | GithubCardState>;

// Which Discord message shows which freeze set by hand, which pass through freezes, or which GitHub deployment the gate
// held, so any process (api, worker, gateway) edits the same message instead of posting another; as discord_messages
// does for rollbacks. One row per subject, and exactly one subject a row.
export const freezeMessages = ops.table(
  'freeze_messages',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    freezeId: uuid('freeze_id').references(() => freezes.freezeId),
    passId: uuid('pass_id').references(() => deployPasses.passId),
    githubRequestId: uuid('github_request_id'),
    channelId: text('channel_id').notNull(),
    messageId: text('message_id').notNull(),
    renderedState: text('rendered_state').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('freeze_messages_freeze_idx').on(t.freezeId),
    uniqueIndex('freeze_messages_pass_idx').on(t.passId),
    uniqueIndex('freeze_messages_github_request_idx').on(t.githubRequestId),
    // Named here: the generated name is longer than Postgres keeps, and the migration looks the constraint up by name.
    foreignKey({ name: 'freeze_messages_github_request_id_fk', columns: [t.githubRequestId], foreignColumns: [githubProtectionRequests.requestId] }),
    check('freeze_messages_one_subject', sql.raw('num_nonnulls(freeze_id, pass_id, github_request_id) = 1')),
    // The sweep's read, every interval: only messages that can still fall behind their row.
    index('freeze_messages_open_idx').on(t.renderedState).where(sql.raw(`rendered_state in (${OPEN_CARD_STATES.map((s) => `'${s}'`).join(', ')})`)),
  ],
);

export type FreezeMessageRow = typeof freezeMessages.$inferSelect;

import { sql } from 'drizzle-orm';
import { bigint, index, jsonb, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { actionSource, ops } from './ops.ts';

/** A rule a false alarm pushed below the policy's precision, as the channel's notice tells it. */
export interface RuleDemotion {
  rule: string;
  decisions: number;
  false_alarms: number;
  precision: number;
  /** The policy's threshold when it fell below it. */
  demote_below: number;
}

// A person's verdict that a monitor decision (a warning, a proposal, an automatic rollback) was a false alarm. One row
// per decision: the primary key is what makes labelling twice, or two people at once, count once. The decision's
// service, environment and rules are copied, and there is no foreign key, because the label outlives the decision:
// retention deletes decisions after a month, and the count of false alarms must never go down.
export const falseAlarms = ops.table(
  'false_alarms',
  {
    decisionId: bigint('decision_id', { mode: 'number' }).primaryKey(),
    service: text('service').notNull(),
    environment: text('environment').notNull(),
    rules: text('rules').array().notNull(),
    deploymentId: uuid('deployment_id').notNull(),
    eventId: uuid('event_id'),
    labelledBy: text('labelled_by').notNull(),
    labelledByName: text('labelled_by_name'),
    source: actionSource('source').notNull(),
    reason: text('reason'),
    labelledAt: timestamp('labelled_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
    // The automatic rules this label pushed below the policy's precision: the channel's notice is rendered from it.
    demoted: jsonb('demoted').$type<RuleDemotion[]>(),
    // Set once the notice is in the channel; until then the delivery sweep re-sends it.
    noticeMessageId: text('notice_message_id'),
  },
  (t) => [
    // The sweep's read: demotion notices the channel has not shown yet (rare, so a partial index stays tiny).
    index('false_alarms_notice_owed_idx').on(t.labelledAt).where(sql`demoted is not null and notice_message_id is null`),
  ],
);

export type FalseAlarmRow = typeof falseAlarms.$inferSelect;

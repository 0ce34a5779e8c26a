import { bigserial, boolean, text, timestamp, unique, uuid } from 'drizzle-orm/pg-core';
import { actionSource, approvalDecision, ops } from './ops.ts';
import { rollbackEvents } from './rollback-events.ts';

export const approvals = ops.table(
  'approvals',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    eventId: uuid('event_id')
      .notNull()
      .references(() => rollbackEvents.eventId),
    approver: text('approver').notNull(),
    approverName: text('approver_name'),
    decision: approvalDecision('decision').notNull(),
    reason: text('reason').notNull(),
    source: actionSource('source').notNull(),
    // The plan an approval was given for: a changed plan does not inherit it.
    planHash: text('plan_hash').notNull(),
    withOverrideRole: boolean('with_override_role').notNull().default(false),
    decidedAt: timestamp('decided_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
  },
  (t) => [unique('approvals_event_approver_uq').on(t.eventId, t.approver)],
);

export type ApprovalRow = typeof approvals.$inferSelect;

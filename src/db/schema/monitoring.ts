import { sql } from 'drizzle-orm';
import { bigserial, doublePrecision, index, integer, jsonb, primaryKey, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import type { Action } from '../../config/monitoring-schema.ts';
import { deployments } from './deployments.ts';
import { ops } from './ops.ts';

// Where each rule stands for each watched deployment, so any worker continues the count of consecutive breaches.
export const ruleStates = ops.table(
  'rule_states',
  {
    deploymentId: uuid('deployment_id')
      .notNull()
      .references(() => deployments.deploymentId),
    rule: text('rule').notNull(),
    // breach | ok | inconclusive
    verdict: text('verdict').notNull(),
    consecutive: integer('consecutive').notNull(),
    value: doublePrecision('value'),
    // The observation this state was computed from; a state is only ever replaced by one from a newer observation.
    observedAt: timestamp('observed_at', { withTimezone: true, precision: 3 }).notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.deploymentId, t.rule] })],
);

/**
 * The decisions that page on-call: the circuit breaker opened (automatic became a proposal), or a rollback did not
 * restore health. The row is the page's durable record: the Discord delivery sweep re-sends one an outage swallowed.
 */
export const ESCALATION_ACTIONS = ['circuit_breaker_open', 'recheck_failed'] as const;
export type EscalationAction = (typeof ESCALATION_ACTIONS)[number];
/** The predicate as literal SQL, so the planner can match it to the partial index (drizzle-orm#4790). */
export const escalationPredicate = (column: string) => sql.raw(`${column} in (${ESCALATION_ACTIONS.map((a) => `'${a}'`).join(', ')})`);

/**
 * The decisions in which rules fired and the ladder answered (act() in monitor/act.ts): the ones a person may call a
 * false alarm, and over which a rule's precision is measured. Literal SQL for the partial index, as above.
 */
export const FIRING_ACTIONS = ['observe', 'warn', 'propose', 'auto_with_veto', 'auto'] as const satisfies readonly Action[];
export const firingPredicate = (column: string) => sql.raw(`${column} in (${FIRING_ACTIONS.map((a) => `'${a}'`).join(', ')})`);

// Every decision the monitor makes explains itself: the rule, the value against the threshold, the window, the samples.
export const healthDecisions = ops.table(
  'health_decisions',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    deploymentId: uuid('deployment_id')
      .notNull()
      .references(() => deployments.deploymentId),
    service: text('service').notNull(),
    environment: text('environment').notNull(),
    // observe | warn | propose | auto_with_veto | auto | watch_passed | alert_resolved | held | recheck_passed, or an
    // escalation (ESCALATION_ACTIONS)
    action: text('action').notNull(),
    summary: text('summary').notNull(),
    evidence: jsonb('evidence').notNull(),
    eventId: uuid('event_id'),
    decidedAt: timestamp('decided_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
  },
  (t) => [
    index('health_decisions_deployment_idx').on(t.deploymentId, t.decidedAt.desc().nullsFirst()),
    // Escalations are rare among decisions: the delivery sweep and the live path find them here, not by a table scan.
    index('health_decisions_escalations_idx').on(t.decidedAt).where(escalationPredicate('action')),
    // A rollback's decisions (its recheck, above all), looked up by event every tick.
    index('health_decisions_event_idx').on(t.eventId).where(sql`event_id is not null`),
    // A rule's precision reads its newest firings in one service and environment, newest first.
    index('health_decisions_firings_idx').on(t.service, t.environment, t.id.desc()).where(firingPredicate('action')),
  ],
);

// Automation stops for a service and environment when a rollback did not restore health, until a person acknowledges.
export const automationHolds = ops.table(
  'automation_holds',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    service: text('service').notNull(),
    environment: text('environment').notNull(),
    reason: text('reason').notNull(),
    eventId: uuid('event_id'),
    createdAt: timestamp('created_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
    acknowledgedBy: text('acknowledged_by'),
    acknowledgedAt: timestamp('acknowledged_at', { withTimezone: true, precision: 3 }),
  },
  (t) => [index('automation_holds_open_idx').on(t.service, t.environment).where(sql`acknowledged_at is null`)],
);

export type RuleStateRow = typeof ruleStates.$inferSelect;
export type HealthDecisionRow = typeof healthDecisions.$inferSelect;

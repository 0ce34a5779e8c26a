import { and, asc, eq, sql } from 'drizzle-orm';
import type { Queryable } from '../client.ts';
import { falseAlarms, firingPredicate, healthDecisions, type FalseAlarmRow, type HealthDecisionRow, type RuleDemotion } from '../schema/index.ts';

export async function getHealthDecision(q: Queryable, id: number): Promise<HealthDecisionRow | null> {
  const [row] = await q.select().from(healthDecisions).where(eq(healthDecisions.id, id)).limit(1);
  return row ?? null;
}

/**
 * The decision that opened a rollback (later firings while it waited carry its event too), with its label if any: what
 * the rejected proposal's card offers to mark, and shows once marked.
 */
export async function getOpeningDecision(q: Queryable, eventId: string): Promise<{ decisionId: number; label: FalseAlarmRow | null } | null> {
  const [row] = await q
    .select({ decisionId: healthDecisions.id, label: falseAlarms })
    .from(healthDecisions)
    .leftJoin(falseAlarms, eq(falseAlarms.decisionId, healthDecisions.id))
    .where(and(eq(healthDecisions.eventId, eventId), firingPredicate('"health_decisions"."action"')))
    .orderBy(asc(healthDecisions.id))
    .limit(1);
  return row ?? null;
}

export async function getFalseAlarm(q: Queryable, decisionId: number): Promise<FalseAlarmRow | null> {
  const [row] = await q.select().from(falseAlarms).where(eq(falseAlarms.decisionId, decisionId)).limit(1);
  return row ?? null;
}

/** Records a label; null when the decision has one already (the primary key decides between two people at once). */
export async function insertFalseAlarm(q: Queryable, row: typeof falseAlarms.$inferInsert): Promise<FalseAlarmRow | null> {
  const [inserted] = await q.insert(falseAlarms).values(row).onConflictDoNothing().returning();
  return inserted ?? null;
}

export async function setDemoted(q: Queryable, decisionId: number, demoted: RuleDemotion[]): Promise<FalseAlarmRow> {
  const [row] = await q.update(falseAlarms).set({ demoted }).where(eq(falseAlarms.decisionId, decisionId)).returning();
  return row!;
}

export interface TallyRow {
  rule: string;
  decisions: number;
  falseAlarms: number;
}

/**
 * Each rule's newest `overLast` firing decisions in one service and environment, and how many of them are labelled
 * false alarms: one index walk per rule (health_decisions_firings_idx), newest first, stopping at the count.
 */
export async function findRuleTallies(q: Queryable, input: { service: string; environment: string; rules: string[]; overLast: number }): Promise<TallyRow[]> {
  if (input.rules.length === 0) return [];
  const rules = sql.join(input.rules.map((r) => sql`${r}`), sql`, `);
  const res = await q.execute<{ rule: string; decisions: number; false_alarms: number }>(sql`
    select r.rule, count(recent.id)::int as decisions, count(f.decision_id)::int as false_alarms
    from unnest(array[${rules}]::text[]) as r(rule)
    left join lateral (
      select d.id from ops.health_decisions d
      where d.service = ${input.service} and d.environment = ${input.environment} and ${firingPredicate('d.action')}
        and d.evidence->'fired' @> jsonb_build_array(jsonb_build_object('rule', r.rule))
      order by d.id desc limit ${input.overLast}
    ) recent on true
    left join ops.false_alarms f on f.decision_id = recent.id
    group by r.rule`);
  return res.rows.map((r) => ({ rule: r.rule, decisions: r.decisions, falseAlarms: r.false_alarms }));
}

export interface PrecisionRow extends TallyRow {
  service: string;
  environment: string;
  /** Every label ever given to a decision where the rule fired: the counter, which never goes down. */
  labelled: number;
}

/**
 * Every rule's tally in every service and environment, for /metrics: the decisions retention still keeps, each rule's
 * newest `overLast`, and the all-time count of labels (kept after their decisions go).
 */
export async function findAllRuleTallies(q: Queryable, overLast: number): Promise<PrecisionRow[]> {
  const res = await q.execute<{ service: string; environment: string; rule: string; decisions: number; false_alarms: number; labelled: number }>(sql`
    with firing as (
      select d.id, d.service, d.environment, f.rule,
        row_number() over (partition by d.service, d.environment, f.rule order by d.id desc) as nth
      from ops.health_decisions d
      cross join lateral (
        select distinct e->>'rule' as rule
        from jsonb_array_elements(case when jsonb_typeof(d.evidence->'fired') = 'array' then d.evidence->'fired' else '[]'::jsonb end) e
        where jsonb_typeof(e->'rule') = 'string'
      ) f
      where ${firingPredicate('d.action')}
    ),
    recent as (
      select firing.service, firing.environment, firing.rule, count(*)::int as decisions, count(fa.decision_id)::int as false_alarms
      from firing left join ops.false_alarms fa on fa.decision_id = firing.id
      where firing.nth <= ${overLast}
      group by 1, 2, 3
    ),
    labelled as (
      select fa.service, fa.environment, r.rule, count(*)::int as labelled
      from ops.false_alarms fa cross join unnest(fa.rules) as r(rule)
      group by 1, 2, 3
    )
    select service, environment, rule, coalesce(recent.decisions, 0) as decisions, coalesce(recent.false_alarms, 0) as false_alarms,
      coalesce(labelled.labelled, 0) as labelled
    from recent full join labelled using (service, environment, rule)
    order by 1, 2, 3`);
  return res.rows.map((r) => ({ service: r.service, environment: r.environment, rule: r.rule, decisions: r.decisions, falseAlarms: r.false_alarms, labelled: r.labelled }));
}

/** Demotion notices the channel does not show yet, labelled within the window: what an outage left behind. */
export async function findDemotionsOwed(q: Queryable, window: { from: Date; to: Date }, limit: number): Promise<number[]> {
  const res = await q.execute<{ decision_id: string }>(sql`
    select decision_id from ops.false_alarms
    where demoted is not null and notice_message_id is null and labelled_at between ${window.from} and ${window.to}
    order by labelled_at limit ${limit}`);
  return res.rows.map((r) => Number(r.decision_id));
}

export async function markDemotionNoticed(q: Queryable, decisionId: number, messageId: string): Promise<void> {
  await q.update(falseAlarms).set({ noticeMessageId: messageId }).where(eq(falseAlarms.decisionId, decisionId));
}

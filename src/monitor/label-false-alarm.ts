import { sql } from 'drizzle-orm';
import { appendAudit } from '../audit/append-audit.ts';
import { requireReason } from '../admission/validate-input.ts';
import { hasAnyRole, type Actor, type CoreDeps } from '../core/deps.ts';
import { getFalseAlarm, getHealthDecision, insertFalseAlarm, setDemoted } from '../db/queries/false-alarms.ts';
import { FIRING_ACTIONS, type FalseAlarmRow } from '../db/schema/index.ts';
import { AppError } from '../errors/app-error.ts';
import { actionNow, isAutomatic } from './rule-actions.ts';
import { ruleStandings } from './imprecise-rules.ts';
import { firedRules, newlyDemoted, type RuleStanding } from './rule-precision.ts';

// Labels for one rule's precision are counted one at a time: two people labelling two decisions of the same rule at
// once would each see the rule above the threshold without the other's label, and neither would say it fell below.
const RULE_LOCK_SPACE = 7_260_020;

/** The largest decision id a boundary accepts: bigserial ids fit well inside JavaScript's exact integers. */
const MAX_DECISION_ID = Number.MAX_SAFE_INTEGER;

export type LabelOutcome =
  | { kind: 'labelled'; label: FalseAlarmRow; standings: RuleStanding[]; demoted: RuleStanding[] }
  | { kind: 'already'; label: FalseAlarmRow };

export function requireDecisionId(value: unknown): number {
  const n = typeof value === 'string' && /^\d{1,16}$/.test(value.trim()) ? Number(value.trim()) : value;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > MAX_DECISION_ID) {
    throw new AppError('VALIDATION_FAILED', `decision_id: expected a decision id (a positive whole number), got ${JSON.stringify(String(value).slice(0, 60))}`, {
      details: [{ path: 'decision_id', message: 'expected a positive whole number' }],
    });
  }
  return n;
}

/**
 * A person marks a monitor decision a false alarm: once per decision, whoever and however many at once (the label's
 * primary key). The label lowers the precision of every rule that fired in it; an automatic rule it pushes below the
 * policy's threshold proposes from its next firing on (monitor/act.ts), and the channel is told once.
 */
export async function labelFalseAlarm(deps: CoreDeps, actor: Actor, input: { decisionId: unknown; reason: string | null }): Promise<LabelOutcome> {
  if (!hasAnyRole(actor, 'approver', 'override')) throw new AppError('FORBIDDEN', `${actor.id} may not mark a decision as a false alarm (needs the approver or override role)`);
  const decisionId = requireDecisionId(input.decisionId);
  const reason = input.reason === null ? null : requireReason(input.reason);
  const policy = deps.config.raw.monitoring.false_alarms;

  const outcome = await deps.db.transaction(async (tx): Promise<LabelOutcome> => {
    const decision = await getHealthDecision(tx, decisionId);
    if (!decision) throw new AppError('NOT_FOUND', `no health decision ${decisionId} (decisions are kept for the retention period, 30 days by default)`);
    const rules = firedRules(decision.evidence);
    if (!(FIRING_ACTIONS as readonly string[]).includes(decision.action) || rules.length === 0) {
      throw new AppError('NOT_FOUND', `health decision ${decisionId} records ${decision.action.replace(/_/g, ' ')}, not a warning, proposal or rollback that rules fired: only those can be false alarms`);
    }
    // In name order, so two labels that share rules never wait for each other in a circle.
    for (const rule of [...rules].sort()) {
      await tx.execute(sql`select pg_advisory_xact_lock(${RULE_LOCK_SPACE}, hashtext(${`${decision.service}/${decision.environment}/${rule}`}))`);
    }
    const before = await ruleStandings(tx, decision, rules, policy);
    const label = await insertFalseAlarm(tx, {
      decisionId,
      service: decision.service,
      environment: decision.environment,
      rules,
      deploymentId: decision.deploymentId,
      eventId: decision.eventId,
      labelledBy: actor.id,
      labelledByName: actor.name ?? null,
      source: actor.source,
      reason,
      labelledAt: deps.clock(),
    });
    if (!label) return { kind: 'already', label: (await getFalseAlarm(tx, decisionId))! };
    const standings = await ruleStandings(tx, decision, rules, policy);
    // Only a rule that would otherwise roll back by itself changes what happens next: that is the news.
    const fired = (decision.evidence as { fired: Array<{ rule: string; origin?: unknown }> }).fired;
    const demoted = newlyDemoted(before, standings).filter((s) => isAutomatic(actionNow(deps.config, decision.service, decision.environment, fired.find((f) => f.rule === s.rule)!)));
    const recorded = demoted.length
      ? await setDemoted(tx, decisionId, demoted.map((s) => ({ rule: s.rule, decisions: s.decisions, false_alarms: s.falseAlarms, precision: s.precision!, demote_below: policy.demote_below })))
      : label;
    await appendAudit(tx, {
      actor: actor.id,
      source: actor.source,
      action: 'decision.false_alarm',
      // With the rollback's own rows when the decision opened one, so its evidence bundle lists the label too.
      subject: decision.eventId ?? decision.deploymentId,
      reason,
      result: demoted.length ? `labelled; ${demoted.map((s) => s.rule).join(', ')} now only proposes` : 'labelled',
      details: {
        decision_id: decisionId,
        service: decision.service,
        environment: decision.environment,
        rules: standings.map((s) => ({ rule: s.rule, decisions: s.decisions, false_alarms: s.falseAlarms, precision: s.precision })),
      },
    });
    return { kind: 'labelled', label: recorded, standings, demoted };
  });

  if (outcome.kind === 'labelled') {
    deps.logger.info({ decisionId, userId: actor.id, demoted: outcome.demoted.map((s) => s.rule) }, 'health decision marked as a false alarm');
    // After the commit, so whatever renders the card or the notice reads the label it announces.
    await deps.notifier.falseAlarm?.({ decisionId, eventId: outcome.label.eventId, service: outcome.label.service, environment: outcome.label.environment, demoted: outcome.demoted.map((s) => s.rule) });
  }
  return outcome;
}

import type { Action } from '../config/monitoring-schema.ts';
import { getOpenHold } from '../db/queries/automation-holds.ts';
import { insertEscalation } from '../db/queries/escalations.ts';
import { insertHealthDecision } from '../db/queries/health-decisions.ts';
import { countAutomaticRollbacksSince } from '../db/queries/rollback-events.ts';
import { getPreDeploymentMetrics } from '../db/queries/snapshots.ts';
import { noticeFor } from '../notify/notice-for.ts';
import { requestRollback } from '../admission/request-rollback.ts';
import { COMPARE, type RuleOutcome } from '../health/rules/evaluate-rule.ts';
import { capAt } from '../health/rules/ladder.ts';
import { plainReason } from '../health/verdict.ts';
import { capImprecise, impreciseRules } from './imprecise-rules.ts';
import { raisePending } from './raise-pending.ts';
import type { DecisionNotice } from '../notify/notifier.ts';
import type { DeploymentVerdict, MonitorDeps } from './types.ts';

// A pre-deployment reading older than this says nothing about how the service was doing when the deploy began.
const BASELINE_MAX_AGE_MS = 30 * 60_000;

export interface ActResult {
  /** The stored decision (ops.health_decisions): what a person marks as a false alarm. */
  decisionId: number;
  deploymentId: string;
  action: Action;
  summary: string;
  eventId: string | null;
  heldBack: string[];
}

/** Rules whose metric was already breaching before this deployment: the deploy probably did not cause them. */
async function preexisting(deps: MonitorDeps, v: DeploymentVerdict, fired: RuleOutcome[]): Promise<RuleOutcome[]> {
  const snap = await getPreDeploymentMetrics(deps.db, v.deployment.deploymentId);
  const baseline = (snap?.keyMetrics ?? null) as (Record<string, number | null> & { observed_at?: string }) | null;
  if (!baseline?.observed_at || v.deployment.deployedAt.getTime() - Date.parse(baseline.observed_at) > BASELINE_MAX_AGE_MS) return [];
  return fired.filter((o) => {
    // A baseline rule already judges against what came before: it has no threshold to have breached.
    if (o.rule.baseline || !o.rule.op || o.rule.threshold === undefined) return false;
    const before = baseline[o.rule.metric];
    return typeof before === 'number' && COMPARE[o.rule.op](before, o.rule.threshold);
  });
}

/**
 * Turns what fired into what happens, climbing the ladder no higher than is safe: evidence that predates the deploy
 * only warns; a rule with too many false alarms, a restored version, an automation hold or an open circuit breaker turn
 * automatic into a proposal. Every decision is stored with its evidence, whatever it was.
 */
export async function act(deps: MonitorDeps, v: DeploymentVerdict, trigger: 'automatic' | 'alert' = 'automatic'): Promise<ActResult | null> {
  if (v.fired.length === 0) return null;
  const { deployment: d } = v;
  const monitoring = deps.config.raw.monitoring;
  const heldBack: string[] = [];
  let fired = v.fired;

  const before = await preexisting(deps, v, fired);
  if (before.length > 0) {
    heldBack.push(`probably not caused by this deploy: ${before.map((o) => o.rule.metric).join(', ')} already breached before it`);
  }
  fired = fired.filter((o) => !before.includes(o));
  const capped = capImprecise(
    fired.map((o) => ({ name: o.rule.name, action: o.rule.action })),
    await impreciseRules(deps, d, fired),
  );
  heldBack.push(...capped.heldBack);
  let action: Action = capped.action ?? 'warn';
  // The reason in the seed's words ("High error rate (3.2 errors/minute)"); the rules and numbers are the evidence.
  const summary = plainReason(fired.length ? fired : v.fired);
  // The rule's name, origin and action on every entry (an alert's own evidence has none): precision counts by them.
  const evidence = v.fired.map((o) => ({ rule: o.rule.name, origin: o.rule.origin, action: o.rule.action, ...o.evidence, explanation: o.explanation }));
  let escalate: string | null = null;

  if (action === 'auto' || action === 'auto_with_veto') {
    const hold = await getOpenHold(deps.db, d.service, d.environment);
    if (hold) {
      heldBack.push(`automation is on hold until someone acknowledges: ${hold.reason}`);
      action = capAt(action, 'propose');
    } else if (d.rollbackFrom) {
      // This deployment is itself a rollback's restore: rolling it back automatically could ping-pong between two bad versions.
      heldBack.push('this version was restored by a rollback; a person must decide whether to roll back again');
      action = capAt(action, 'propose');
    } else {
      const recent = await countAutomaticRollbacksSince(deps.db, d.service, d.environment, new Date(deps.clock().getTime() - monitoring.circuit_breaker.per));
      if (recent >= monitoring.circuit_breaker.max_automatic) {
        escalate = `circuit breaker open: ${recent} automatic rollbacks of ${d.service} in ${d.environment} within ${Math.round(monitoring.circuit_breaker.per / 60_000)} min; proposing instead`;
        heldBack.push(escalate);
        action = capAt(action, 'propose');
      }
    }
  }

  const reason = `${summary}${heldBack.length ? ` (${heldBack.join('; ')})` : ''}`.slice(0, 1000);
  let eventId: string | null = null;
  let outcomeOf: DecisionNotice['outcome'] = action === 'warn' ? 'warned' : 'recorded';
  if (action === 'propose' || action === 'auto_with_veto' || action === 'auto') {
    const vetoMs = fired.map((o) => o.rule.veto).find((x) => x !== undefined) ?? monitoring.veto;
    const autoAt = action === 'auto_with_veto' ? new Date(deps.clock().getTime() + vetoMs) : undefined;
    const outcome = await requestRollback(deps, {
      deploymentId: d.deploymentId,
      reason,
      triggerType: trigger,
      triggerData: { ...(evidence[0] ?? {}), decision: action, evidence, held_back: heldBack },
      requester: null,
      automation: action,
      preapproved: action === 'auto',
      ...(autoAt ? { autoAt } : {}),
    });
    eventId = outcome.event.eventId;
    if (outcome.kind === 'admitted' && autoAt) await deps.scheduleVetoEnd(eventId, autoAt);
    // A rollback of this deployment already waits for people: a stronger decision raises it, never disappears.
    outcomeOf = outcome.kind === 'already_in_progress' ? 'held' : outcome.kind;
    if (outcome.kind === 'already_in_progress' && outcome.event.deploymentId === d.deploymentId) {
      const raised = await raisePending(deps, outcome.event, action, reason, autoAt);
      if (raised.raised) outcomeOf = 'raised';
      else heldBack.push(`a rollback is already ${outcome.event.status.replace('_', ' ')}; ${raised.why}`);
    }
    if (escalate && outcome.kind === 'admitted') {
      // Recorded first: the row is the page's durable record, which Discord renders and the delivery sweep re-sends.
      await insertEscalation(deps.db, outcome.event, { action: 'circuit_breaker_open', summary: escalate, evidence: { fired: evidence } });
      await deps.notifier.notify(noticeFor(outcome.event, 'escalated', escalate, { evidence }));
    }
  }
  const decisionId = await insertHealthDecision(deps.db, { deploymentId: d.deploymentId, service: d.service, environment: d.environment, action, summary: reason, evidence: { fired: evidence, held_back: heldBack }, eventId });
  // After the row: the warning's False alarm button names it.
  if (action === 'warn') {
    await deps.notifier.warn?.({ kind: 'health_warning', decisionId, deploymentId: d.deploymentId, service: d.service, environment: d.environment, summary: reason, evidence });
  }
  deps.logger.info({ deploymentId: d.deploymentId, action, eventId, heldBack }, `health decision: ${reason}`);
  await deps.notifier.decided?.({ deploymentId: d.deploymentId, action, outcome: outcomeOf });
  return { decisionId, deploymentId: d.deploymentId, action, summary: reason, eventId, heldBack };
}

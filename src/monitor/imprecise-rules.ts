import type { Action } from '../config/monitoring-schema.ts';
import type { Queryable } from '../db/client.ts';
import { findRuleTallies } from '../db/queries/false-alarms.ts';
import { capAt, rank, strongest } from '../health/rules/ladder.ts';
import type { RuleOutcome } from '../health/rules/evaluate-rule.ts';
import { isAutomatic } from './rule-actions.ts';
import { demotionWords, standingOf, type FalseAlarmPolicy, type RuleStanding } from './rule-precision.ts';
import type { MonitorDeps, WatchedDeployment } from './types.ts';

/** `rules`' standing in one service and environment, each judged against the policy: one query. */
export async function ruleStandings(q: Queryable, scope: { service: string; environment: string }, rules: string[], policy: FalseAlarmPolicy): Promise<RuleStanding[]> {
  const tallies = await findRuleTallies(q, { service: scope.service, environment: scope.environment, rules, overLast: policy.over_last });
  return tallies.map((t) => standingOf(t, policy));
}

/**
 * The fired rules that would roll back by themselves but have too many false alarms behind them, each with why: they
 * only propose. One query, and none at all unless an automatic rule fired.
 */
export async function impreciseRules(deps: MonitorDeps, d: WatchedDeployment, fired: RuleOutcome[]): Promise<Map<string, string>> {
  const policy = deps.config.raw.monitoring.false_alarms;
  const automatic = fired.filter((o) => isAutomatic(o.rule.action)).map((o) => o.rule.name);
  if (automatic.length === 0 || policy.demote_below <= 0) return new Map();
  const standings = (await ruleStandings(deps.db, d, automatic, policy)).filter((s) => s.demoted);
  return new Map(standings.map((s) => [s.rule, demotionWords(s, policy)]));
}

/**
 * The rung the fired rules reach once each imprecise one is capped at propose, rule by rule: another automatic rule
 * that fired with a good record still rolls back by itself. The reasons come back only when the cap lowered the rung.
 */
export function capImprecise(fired: ReadonlyArray<{ name: string; action: Action }>, imprecise: ReadonlyMap<string, string>): { action: Action | null; heldBack: string[] } {
  const uncapped = strongest(fired.map((r) => r.action));
  const action = strongest(fired.map((r) => (imprecise.has(r.name) ? capAt(r.action, 'propose') : r.action)));
  if (action === null || uncapped === null || rank(action) >= rank(uncapped)) return { action, heldBack: [] };
  return { action, heldBack: fired.filter((r) => imprecise.has(r.name) && rank(r.action) > rank(action)).map((r) => imprecise.get(r.name)!) };
}

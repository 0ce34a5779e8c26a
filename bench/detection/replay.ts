import { BaselineSchema } from '../../src/config/monitoring-schema.ts';
import { observeBaseline } from '../../src/health/baseline/observe-baseline.ts';
import { COMPARE, evaluateRule, type PriorState, type RuleOutcome } from '../../src/health/rules/evaluate-rule.ts';
import { rateRatioTest } from '../../src/health/stats/rate-ratio.ts';
import { judge, ROLLBACK_ACTIONS } from '../../src/health/verdict.ts';
import { observePushed, pushedValue, readBaseline, type ReadOptions } from './read-story.ts';
import { ERROR_METRICS, type RuleSet } from './rule-sets.ts';
import { at, type Timeline } from './simulate-story.ts';

// One story through one rule set, look by look on a simulated clock, with backstop's own judgment.

export interface StoryResult {
  /** When a rule whose action rolls back fired, after the deploy; null: never in the watch. */
  rolledBackAfterMs: number | null;
  /** judge() gave something other than inconclusive at some look. */
  conclusive: boolean;
  /** Some error rule reached a verdict (breach or ok) at some look. */
  errorsJudged: boolean;
}

/**
 * The monitor's loop, mirrored from src/monitor/evaluate-deployments.ts, judge() (lines 93–107 as written):
 *   const obs = rule.baseline ? observeBaseline(…) : observe(…);  const prior = states.get(…);
 *   const outcome = evaluateRule(rule, obs, prior);  if (!outcome) continue;  … fired …
 *   if (!prior && outcome.consecutive === 0 && obs.source === 'pushed') continue;        // nothing to remember
 *   if (rule.baseline && outcome.verdict === 'inconclusive') continue;                      // read afresh next tick
 *   writes.push({ verdict, consecutive, observedAt: outcome.stateObservedAt });
 * and loadRuleStates (src/db/queries/rule-states.ts), which loads only states whose verdict is not 'ok'. A pushed
 * sample arrives as the tick runs, so judging it on arrival (evaluateOnArrival) and at the tick are one look.
 */
export function replayRules(set: Extract<RuleSet, { kind: 'rules' }>, t: Timeline, o: ReadOptions): StoryResult {
  const stored = new Map<string, PriorState>();
  const result: StoryResult = { rolledBackAfterMs: null, conclusive: false, errorsJudged: false };
  for (let k = 1; k <= t.ticks; k++) {
    const now = new Date(o.deployedAt.getTime() + k * o.tickMs);
    const outcomes: RuleOutcome[] = [];
    const fired: RuleOutcome[] = [];
    for (const rule of set.rules) {
      const obs = rule.baseline ? observeBaseline(rule, readBaseline(t, rule, k, o), now) : observePushed(t, rule.metric, k, o);
      const state = stored.get(rule.name);
      const prior = state && state.verdict !== 'ok' ? state : undefined;
      const outcome = evaluateRule(rule, obs, prior);
      if (!outcome) continue;
      outcomes.push(outcome);
      if (outcome.fires) fired.push(outcome);
      if (!prior && outcome.consecutive === 0 && obs.source === 'pushed') continue;
      if (rule.baseline && outcome.verdict === 'inconclusive') continue;
      stored.set(rule.name, { verdict: outcome.verdict, consecutive: outcome.consecutive, observedAt: outcome.stateObservedAt });
    }
    if (judge(outcomes, set.pulled).verdict !== 'inconclusive') result.conclusive = true;
    if (outcomes.some((x) => ERROR_METRICS.has(x.rule.metric) && x.verdict !== 'inconclusive')) result.errorsJudged = true;
    const rollsBack = fired.filter((x) => ROLLBACK_ACTIONS.includes(x.rule.action) && !(set.holdBackPreexisting && preexisting(x, t, o)));
    if (rollsBack.length > 0) {
      result.rolledBackAfterMs = k * o.tickMs;
      return result;
    }
  }
  return result;
}

// src/monitor/act.ts, preexisting(): a threshold rule whose metric already breached in the pre-deployment snapshot
// (the previous version's newest sample, taken as the deploy began) only warns.
function preexisting(x: RuleOutcome, t: Timeline, o: ReadOptions): boolean {
  if (x.rule.baseline || !x.rule.op || x.rule.threshold === undefined || !t.pushed[at(t, -1)]) return false;
  const before = pushedValue(t, x.rule.metric, -1, o);
  return before !== null && COMPARE[x.rule.op](before, x.rule.threshold);
}

// The naive test asks what the rate rule asks (more than at_most worse, at alpha), only without the correction.
const RATE = BaselineSchema.parse({ test: 'rate', per: 'requests' });

/** The benchmark's own row: the exact Poisson rate-ratio test on the counts since the deploy, one-sided. */
export function replayNaive(set: Extract<RuleSet, { kind: 'naive' }>, t: Timeline, o: ReadOptions): StoryResult {
  const result: StoryResult = { rolledBackAfterMs: null, conclusive: false, errorsJudged: false };
  const sum = (xs: number[], from: number, to: number) => xs.slice(at(t, from), at(t, to)).reduce((s, x) => s + x, 0);
  const baselineEvents = sum(t.errors, -t.ticks, 0);
  const baselineExposure = sum(t.requests, -t.ticks, 0);
  for (let k = set.looks === 'every tick' ? 1 : t.ticks; k <= t.ticks; k++) {
    const test = rateRatioTest({ events: sum(t.errors, 0, k), exposure: sum(t.requests, 0, k), baselineEvents, baselineExposure, ratio0: 1 + RATE.at_most });
    if (!test) continue;
    result.conclusive = result.errorsJudged = true;
    if (test.pValue <= RATE.alpha) {
      result.rolledBackAfterMs = k * o.tickMs;
      return result;
    }
  }
  return result;
}

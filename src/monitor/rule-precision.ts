// How often a rule is right. A rule's precision is 1 − false alarms / decisions, over the newest `over_last` monitor
// decisions in which it fired for one service and environment. A count rather than a period: the estimate is as steady
// for a rule that fires twice a month as for one that fires twice an hour, and a rule that was re-tuned sheds its old
// false alarms after that many new firings instead of carrying them for a month. Retention (30 days by default) bounds
// it from the other side: a decision it deleted is no longer counted.

export interface FalseAlarmPolicy {
  /** An automatic rule below this precision proposes instead; 0 turns demotion off. */
  demote_below: number;
  /** Fewer decisions than this never demote: one early false alarm is not a measurement. */
  min_decisions: number;
  /** How many of the rule's newest decisions are counted. */
  over_last: number;
}

/** One rule's record in one service and environment. */
export interface RuleTally {
  rule: string;
  decisions: number;
  falseAlarms: number;
}

/** A tally judged against the policy: its precision, and whether an automatic rule with it only proposes. */
export interface RuleStanding extends RuleTally {
  /** Null when the rule fired in no decision still on record. */
  precision: number | null;
  demoted: boolean;
}

export function precisionOf(t: Pick<RuleTally, 'decisions' | 'falseAlarms'>): number | null {
  if (t.decisions <= 0) return null;
  // A false alarm on a decision older than the window is not counted, so the count never exceeds the decisions.
  return 1 - Math.min(t.falseAlarms, t.decisions) / t.decisions;
}

export function standingOf(t: RuleTally, policy: FalseAlarmPolicy): RuleStanding {
  const precision = precisionOf(t);
  const demoted = precision !== null && t.decisions >= policy.min_decisions && precision < policy.demote_below;
  return { ...t, precision, demoted };
}

/** The rules a label pushed below the policy: demoted now, and not before it. */
export function newlyDemoted(before: RuleStanding[], after: RuleStanding[]): RuleStanding[] {
  const was = new Map(before.map((s) => [s.rule, s.demoted]));
  return after.filter((s) => s.demoted && !was.get(s.rule));
}

/** Two decimals, as a person reads a ratio; never rounded up to the threshold it fell below. */
export const precisionLabel = (p: number) => (Math.floor(p * 100 + 1e-9) / 100).toFixed(2);

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

/** "precision 0.60 (2 false alarms in its last 5 decisions)": the numbers behind a demotion, in words. */
export function standingWords(s: Pick<RuleStanding, 'decisions' | 'falseAlarms' | 'precision'>): string {
  if (s.precision === null) return 'no decisions on record';
  return `precision ${precisionLabel(s.precision)} (${plural(s.falseAlarms, 'false alarm', 'false alarms')} in its last ${plural(s.decisions, 'decision', 'decisions')})`;
}

/** Why an automatic rule only proposed: for the decision's held-back reasons, and so the proposal card. */
export function demotionWords(s: RuleStanding, policy: FalseAlarmPolicy): string {
  return `${s.rule} proposes instead of rolling back automatically: ${standingWords(s)} is below the policy's ${policy.demote_below}`;
}

/** The rule names a decision's evidence says fired (act() stores one entry per rule under `fired`). */
export function firedRules(evidence: unknown): string[] {
  const fired = (evidence as { fired?: unknown } | null)?.fired;
  if (!Array.isArray(fired)) return [];
  const names = fired.map((f) => (f as { rule?: unknown } | null)?.rule).filter((r): r is string => typeof r === 'string' && r.length > 0);
  return [...new Set(names)];
}

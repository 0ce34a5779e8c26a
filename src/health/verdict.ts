import type { Action } from '../config/monitoring-schema.ts';
import type { RuleOutcome } from './rules/evaluate-rule.ts';
import { rank, strongest } from './rules/ladder.ts';

export type HealthVerdict = 'healthy' | 'degraded' | 'unhealthy' | 'inconclusive';

/** Actions that mean "roll back": the seed's should_rollback, the card, the monitor. */
export const ROLLBACK_ACTIONS: readonly Action[] = ['propose', 'auto_with_veto', 'auto'];

export interface Judgment {
  verdict: HealthVerdict;
  /** The strongest action of the rules in breach, or null when none is. */
  action: Action | null;
  /** The outcomes in breach, strongest action first. */
  breaches: RuleOutcome[];
}

/**
 * One mapping from rule outcomes to a verdict, used by every path. A breach whose action rolls back is unhealthy,
 * one that only warns or observes is degraded. Without a breach it is healthy only on data: at least one rule saw a
 * value, and no rule whose metric a configured source reports came back empty (a source that went quiet is an
 * outage, not good news). Everything else is inconclusive, never healthy.
 */
export function judge(outcomes: RuleOutcome[], pulledMetrics: ReadonlySet<string>): Judgment {
  const breaches = outcomes.filter((o) => o.verdict === 'breach');
  const action = strongest(breaches.map((o) => o.rule.action));
  breaches.sort((a, b) => rank(b.rule.action) - rank(a.rule.action));
  if (action && ROLLBACK_ACTIONS.includes(action)) return { verdict: 'unhealthy', action, breaches };
  if (action) return { verdict: 'degraded', action, breaches };
  const sawData = outcomes.some((o) => o.verdict === 'ok');
  // A baseline rule that cannot compare yet (no known-good deployment before this one, too little traffic) is not a
  // source gone quiet: it neither breaches nor passes, and the other rules decide.
  const sourceSilent = outcomes.some((o) => o.verdict === 'inconclusive' && !o.rule.baseline && pulledMetrics.has(o.rule.metric));
  return { verdict: sawData && !sourceSilent ? 'healthy' : 'inconclusive', action: null, breaches };
}

const n = (x: number) => (Number.isInteger(x) ? String(x) : String(Math.round(x * 100) / 100));

/** A rule's finding in the words of the seed's alerts ("High error rate (3.2 errors/minute)"); the rule itself is evidence. */
export function plainWords(o: RuleOutcome): string {
  const v = o.observation.value;
  const compared = o.observation.baseline;
  // Its words begin with the metric's own name, kept as written.
  if (o.rule.baseline && compared) return compared.words;
  if (v === null) return `No data for ${o.rule.metric}${o.verdict === 'breach' ? ' (the rule counts silence as a failure)' : ''}`;
  const rising = o.rule.op === '>' || o.rule.op === '>=';
  switch (o.rule.metric) {
    case 'error_rate_per_minute':
      return `${rising ? 'High' : 'Low'} error rate (${n(v)} errors/minute)`;
    case 'recent_errors':
      return `Error burst (${n(v)} errors recently)`;
    case 'database_connections_pct':
      return `Database connections at ${n(v)}%`;
    case 'p95_ms':
      return `Slow responses (p95 ${n(v)} ms)`;
    case 'memory_pct':
      return `Memory at ${n(v)}%`;
    case 'probe_up':
      return v === 0 ? 'Health endpoint not answering' : `Health endpoint up (${n(v)})`;
    case 'alert':
      return o.explanation.replace(/^Alertmanager: /, 'Alert firing: ');
    default:
      return `${o.rule.metric.replace(/_/g, ' ')} at ${n(v)} (${rising ? 'above' : 'below'} ${n(o.rule.threshold ?? 0)})`;
  }
}

/** The reason a person reads: each breach in plain words, strongest first, once per metric. */
export function plainReason(breaches: RuleOutcome[]): string {
  return [...new Set(breaches.map(plainWords))].join('; ');
}

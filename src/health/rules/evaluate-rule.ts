import type { ResolvedRule } from '../../config/load.ts';
import type { BaselineJudgment } from '../baseline/baseline-data.ts';

/** What a source saw for one metric: the newest value, or the mean over the rule's window. */
export interface Observation {
  /** null: no data (missing, stale, NaN, source down): inconclusive, never healthy. */
  value: number | null;
  /** When the value was observed (a value is counted once, so a tick with no newer sample changes nothing); for
   * no data, when the check was made (each check without data counts). */
  observedAt: Date;
  /** How many samples the value stands for (1 for the newest, n for a window mean). */
  samples: number;
  source: string;
  detail?: string;
  /** The min_traffic metric's value, when the rule has one. */
  traffic?: number | null;
  /** A baseline rule's comparison (its value is the deployment's own: a rate, a median or a mean). */
  baseline?: BaselineJudgment;
}

export interface PriorState {
  verdict: 'breach' | 'ok' | 'inconclusive';
  consecutive: number;
  observedAt: Date;
}

export interface RuleOutcome {
  rule: ResolvedRule;
  verdict: PriorState['verdict'];
  consecutive: number;
  /** True exactly once per breach: when the streak reaches the rule's `for`. */
  fires: boolean;
  /** What the stored state remembers as the last counted sample (unchanged by a check without data). */
  stateObservedAt: Date;
  observation: Observation;
  readonly explanation: string;
  readonly evidence: Record<string, unknown>;
}

export const COMPARE = {
  '>': (a: number, b: number) => a > b,
  '>=': (a: number, b: number) => a >= b,
  '<': (a: number, b: number) => a < b,
  '<=': (a: number, b: number) => a <= b,
} as const;

const windowLabel = (ms: number) => (ms % 3_600_000 === 0 ? `${ms / 3_600_000}h` : ms % 60_000 === 0 ? `${ms / 60_000}m` : `${ms / 1000}s`);

/**
 * One rule's outcome. The explanation and the evidence are computed when read, not when judged: a tick judges every
 * rule of every watched deployment, nearly all of them healthy, and only a breach's words are ever kept.
 */
class JudgedRule implements RuleOutcome {
  constructor(
    readonly rule: ResolvedRule,
    readonly verdict: PriorState['verdict'],
    readonly consecutive: number,
    readonly fires: boolean,
    readonly stateObservedAt: Date,
    readonly observation: Observation,
  ) {}

  get explanation(): string {
    const { rule, verdict, consecutive, observation: obs } = this;
    let why: string;
    if (rule.baseline) {
      why = obs.baseline?.words ?? `no comparison with a baseline was made`;
      if (rule.op && rule.threshold !== undefined && obs.baseline?.verdict === 'breach' && verdict === 'ok') why += `, but ${round(obs.value!)} is not ${rule.op} ${rule.threshold}`;
    } else if (obs.value === null) {
      why = `no data for ${rule.metric}${obs.detail ? ` (${obs.detail})` : ''}: ${rule.on_missing === 'fail' ? 'counted as a failure' : 'inconclusive'}`;
    } else if (verdict === 'inconclusive') {
      why = `${rule.min_traffic!.metric} = ${obs.traffic ?? 'no data'} is below the ${rule.min_traffic!.at_least} needed to judge ${rule.metric}: inconclusive`;
    } else {
      const over = rule.window ? ` (mean of ${obs.samples} sample${obs.samples === 1 ? '' : 's'} over ${windowLabel(rule.window)})` : '';
      why = `${rule.metric} = ${round(obs.value)} ${verdict === 'breach' ? rule.op : `not ${rule.op}`} ${rule.threshold}${over}`;
    }
    return `${rule.name}: ${why}${verdict === 'breach' ? `, ${Math.min(consecutive, rule.for)}/${rule.for} consecutive` : ''}`;
  }

  get evidence(): Record<string, unknown> {
    const { rule, consecutive, observation: obs } = this;
    const j = obs.baseline;
    if (rule.baseline) {
      return {
        rule: rule.name,
        origin: rule.origin,
        metric: rule.metric,
        test: rule.baseline.test,
        against: rule.baseline.against,
        ...(rule.baseline.per ? { per: rule.baseline.per } : {}),
        baseline_version: j?.baselineVersion ?? null,
        observed: obs.value === null ? null : round(obs.value),
        baseline_value: j?.baselineValue == null ? null : round(j.baselineValue),
        effect: j?.effect == null || !Number.isFinite(j.effect) ? null : round(j.effect),
        interval: j?.interval ? j.interval.map(round) : null,
        p_value: j?.pValue ?? null,
        alpha: rule.baseline.alpha,
        at_most: rule.baseline.at_most,
        counted: j?.counted ?? null,
        comparison: j?.words ?? null,
        ...(rule.op && rule.threshold !== undefined ? { op: rule.op, threshold: rule.threshold } : {}),
        consecutive,
        for: rule.for,
        action: rule.action,
        source: obs.source,
        observed_at: obs.observedAt.toISOString(),
      };
    }
    return {
      rule: rule.name,
      origin: rule.origin,
      metric: rule.metric,
      op: rule.op,
      threshold: rule.threshold,
      observed: obs.value === null ? null : round(obs.value),
      window: rule.window ? windowLabel(rule.window) : null,
      samples: obs.samples,
      consecutive,
      for: rule.for,
      action: rule.action,
      source: obs.source,
      observed_at: obs.observedAt.toISOString(),
      ...(obs.detail ? { detail: obs.detail } : {}),
    };
  }
}

/**
 * One rule against one new observation. Pure: the prior state in, the next state out. Returns null when the
 * observation is not newer than the one the prior state was computed from (it was already counted).
 */
export function evaluateRule(rule: ResolvedRule, obs: Observation, prior: PriorState | undefined): RuleOutcome | null {
  if (obs.value !== null && prior && obs.observedAt.getTime() <= prior.observedAt.getTime()) return null;

  let verdict: PriorState['verdict'];
  if (rule.baseline) verdict = baselineVerdict(rule, obs);
  else if (obs.value === null) verdict = rule.on_missing === 'fail' ? 'breach' : 'inconclusive';
  else if (rule.min_traffic && (obs.traffic === null || obs.traffic === undefined || obs.traffic < rule.min_traffic.at_least)) verdict = 'inconclusive';
  else verdict = COMPARE[rule.op!](obs.value, rule.threshold!) ? 'breach' : 'ok';

  // An inconclusive check neither extends nor breaks a streak.
  const streak = prior && prior.verdict !== 'ok' ? prior.consecutive : 0;
  const consecutive = verdict === 'breach' ? streak + 1 : verdict === 'inconclusive' ? streak : 0;
  const fires = verdict === 'breach' && consecutive === rule.for;
  return new JudgedRule(rule, verdict, consecutive, fires, obs.value === null ? (prior?.observedAt ?? new Date(0)) : obs.observedAt, obs);
}

// The comparison decides; too little data is inconclusive, and only a deployment that reported nothing at all is
// "missing" for on_missing. A threshold beside the baseline is a floor: both must say breach.
function baselineVerdict(rule: ResolvedRule, obs: Observation): PriorState['verdict'] {
  const j = obs.baseline;
  if (!j || j.verdict === 'inconclusive') return rule.on_missing === 'fail' && (!j || j.counted.current === 0) ? 'breach' : 'inconclusive';
  if (j.verdict === 'breach' && rule.op && rule.threshold !== undefined) return obs.value !== null && COMPARE[rule.op](obs.value, rule.threshold) ? 'breach' : 'ok';
  return j.verdict;
}

const round = (x: number) => Math.round(x * 1000) / 1000;

import { pct } from '../support.ts';
import type { StoryResult } from './replay.ts';
import { HEALTHY_KINDS, REGRESSIONS, TWO_TIMES_OR_MORE, type Kind, type Regression, type Story } from './stories.ts';

// A rule set's results over the corpus, scored against each story's known truth, and the goals.

const GOALS = {
  falseRollbacks: 0.01,
  twoTimesDetected: 0.95,
  seedMedianMs: 120_000,
} as const;

export interface Score {
  label: string;
  /** Healthy stories rolled back, of all healthy stories. */
  falseRollbacks: number;
  falseByKind: Map<Kind, number>;
  /** Healthy stories at the seed's ~0.2 errors/min rolled back. */
  falseAtSeedLevel: number;
  /** Detected share per regression; null where the set has no rule that could see it (latency for the naive test). */
  detected: Map<Regression, number | null>;
  twoTimesDetected: number;
  /** The same, among stories with at least ENOUGH_ERRORS errors expected in the baseline period: enough to tell. */
  twoTimesDetectedWithData: number;
  medianMs: number | null;
  p95Ms: number | null;
  /** Median time to detect over the detected regressions of seed-level stories. */
  seedMedianMs: number | null;
  /** The same for the seed's own incident alone (0.2 → 8 errors/min). */
  seedIncidentMedianMs: number | null;
  inconclusive: number;
  errorsNotJudged: number;
}

// About where a 2× rise becomes tellable from chance within one watch: with fewer errors expected in the five minutes
// before the deploy, even the fixed-sample test at the end of the watch misses most 2× regressions.
export const ENOUGH_ERRORS = 20;

const share = (xs: boolean[]) => (xs.length ? xs.filter(Boolean).length / xs.length : 0);

export function score(label: string, stories: Story[], results: StoryResult[], judgesLatency: boolean): Score {
  const rows = stories.map((story, i) => ({ story, result: results[i]! }));
  const healthy = rows.filter((r) => r.story.regression === null);
  const detectedOf = (which: readonly Regression[], of = rows) => share(of.filter((r) => r.story.regression !== null && which.includes(r.story.regression)).map((r) => r.result.rolledBackAfterMs !== null));
  const expectedErrors = (s: Story) => s.rpm * s.errorRatio * 5;
  const times = (xs: typeof rows) => xs.filter((r) => r.story.regression !== null && r.result.rolledBackAfterMs !== null).map((r) => r.result.rolledBackAfterMs!);
  const all = times(rows);
  const seed = times(rows.filter((r) => r.story.seedLevel));
  const incident = times(rows.filter((r) => r.story.kind === 'seed incident'));
  return {
    label,
    falseRollbacks: share(healthy.map((r) => r.result.rolledBackAfterMs !== null)),
    falseByKind: new Map(HEALTHY_KINDS.map((k) => [k, share(healthy.filter((r) => r.story.kind === k).map((r) => r.result.rolledBackAfterMs !== null))])),
    falseAtSeedLevel: share(healthy.filter((r) => r.story.seedLevel).map((r) => r.result.rolledBackAfterMs !== null)),
    detected: new Map(REGRESSIONS.map((g) => [g, !judgesLatency && (g === 'lat shift' || g === 'variance') ? null : detectedOf([g])])),
    twoTimesDetected: detectedOf(TWO_TIMES_OR_MORE),
    twoTimesDetectedWithData: detectedOf(TWO_TIMES_OR_MORE, rows.filter((r) => expectedErrors(r.story) >= ENOUGH_ERRORS)),
    medianMs: all.length ? pct(all, 50) : null,
    p95Ms: all.length ? pct(all, 95) : null,
    seedMedianMs: seed.length ? pct(seed, 50) : null,
    seedIncidentMedianMs: incident.length ? pct(incident, 50) : null,
    inconclusive: share(results.map((r) => !r.conclusive)),
    errorsNotJudged: share(results.map((r) => !r.errorsJudged)),
  };
}

/** Each goal, met or missed, for one rule set. */
export function goalsOf(s: Score): Array<{ goal: string; met: boolean; value: number | null }> {
  return [
    { goal: `false rollbacks ≤ ${GOALS.falseRollbacks * 100}% while checking every tick`, met: s.falseRollbacks <= GOALS.falseRollbacks, value: s.falseRollbacks },
    { goal: `≥ ${GOALS.twoTimesDetected * 100}% of ≥ 2× error-rate regressions detected`, met: s.twoTimesDetected >= GOALS.twoTimesDetected, value: s.twoTimesDetected },
    { goal: `median detection under ${GOALS.seedMedianMs / 60_000} min at the seed's traffic levels`, met: s.seedMedianMs !== null && s.seedMedianMs < GOALS.seedMedianMs, value: s.seedMedianMs },
  ];
}

import type { ResolvedRule } from '../../src/config/load.ts';
import type { PushedMetric } from '../../src/config/monitoring-schema.ts';
import type { BaselineData } from '../../src/health/baseline/baseline-data.ts';
import type { BaselineReading } from '../../src/health/baseline/read-baseline.ts';
import type { Observation } from '../../src/health/rules/evaluate-rule.ts';
import { at, sumBack, type Timeline } from './simulate-story.ts';

// What backstop would read of a simulated story at a look, in place of the database and Prometheus: the pushed
// samples, and the counts and samples a baseline rule compares.

export interface ReadOptions {
  deployedAt: Date;
  tickMs: number;
  staleAfterMs: number;
  /** The minutes error_rate_per_minute is counted over, as the service reports it. */
  rateWindowMinutes: number;
}

// Metrics the corpus does not vary are pushed as healthy constants, so their rules judge as they would in production.
const STEADY: Partial<Record<PushedMetric, number>> = { database_connections_pct: 40, memory_pct: 60, active_queries: 3 };

/** The value a pushed sample carries for `metric` at the end of tick b (null: the sample leaves it out). */
export function pushedValue(t: Timeline, metric: string, b: number, o: ReadOptions): number | null {
  if (metric === 'error_rate_per_minute') return sumBack(t, t.errors, b, o.rateWindowMinutes * t.perMinute) / o.rateWindowMinutes;
  if (metric === 'recent_errors') return sumBack(t, t.errors, b, 5 * t.perMinute);
  if (metric === 'p95_ms') return t.p95[at(t, b)]!;
  return STEADY[metric as PushedMetric] ?? null;
}

/**
 * A threshold rule's observation at look k, as observe.ts builds it from pushed samples: the newest sample of this
 * deployment carrying the metric, when it is newer than stale_after; otherwise no data, observed now.
 */
export function observePushed(t: Timeline, metric: string, k: number, o: ReadOptions): Observation {
  const now = o.deployedAt.getTime() + k * o.tickMs;
  for (let b = k - 1; b >= 0 && (b + 1) * o.tickMs > k * o.tickMs - o.staleAfterMs; b--) {
    const value = t.pushed[at(t, b)] ? pushedValue(t, metric, b, o) : null;
    if (value !== null) return { value, observedAt: new Date(o.deployedAt.getTime() + (b + 1) * o.tickMs), samples: 1, source: 'pushed' };
  }
  return { value: null, observedAt: new Date(now), samples: 0, source: 'pushed', detail: `no sample in the last ${Math.round(o.staleAfterMs / 1000)} s` };
}

const BASELINE_VERSION = 'v-previous';
const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

/**
 * What read-baseline.ts would hand a baseline rule at look k (against: previous): Prometheus counts since the deploy
 * and over the watch window's length before it (rate), or samples (distribution, relative): pushed p95_ms, or a
 * Prometheus range of the error ratio over the last minute, one point a tick.
 */
export function readBaseline(t: Timeline, rule: ResolvedRule, k: number, o: ReadOptions): BaselineReading {
  const now = range(0, k);
  const before = range(-t.ticks, 0);
  let data: BaselineData;
  if (rule.baseline!.test === 'rate') {
    const counts = (bins: number[]) => ({ events: bins.reduce((s, b) => s + t.errors[at(t, b)]!, 0), exposure: bins.reduce((s, b) => s + t.requests[at(t, b)]!, 0) });
    data = { kind: 'counts', baselineVersion: BASELINE_VERSION, current: counts(now), baseline: counts(before) };
    return { data, source: 'prometheus' };
  }
  if (rule.metric === 'error_ratio') {
    const ratios = (bins: number[]) =>
      bins.flatMap((b) => {
        const requests = sumBack(t, t.requests, b, t.perMinute);
        // Prometheus drops the NaN of a minute without requests.
        return requests > 0 ? [sumBack(t, t.errors, b, t.perMinute) / requests] : [];
      });
    return { data: { kind: 'samples', baselineVersion: BASELINE_VERSION, current: ratios(now), baseline: ratios(before) }, source: 'prometheus' };
  }
  // Pushed samples (the previous version pushed throughout its last watch window's length).
  const samples = (bins: number[]) => bins.flatMap((b) => (t.pushed[at(t, b)] ? (pushedValue(t, rule.metric, b, o) ?? []) : []));
  // With per, read-baseline.ts adds each side's requests per second from Prometheus (counts are exact here).
  const perSecond = (bins: number[]) => bins.reduce((s, b) => s + t.requests[at(t, b)]!, 0) / ((bins.length * o.tickMs) / 1000);
  const traffic = rule.baseline!.per ? { traffic: { current: perSecond(now), baseline: perSecond(before) } } : {};
  data = { kind: 'samples', baselineVersion: BASELINE_VERSION, current: samples(now), baseline: samples(before), ...traffic };
  return { data, source: 'pushed' };
}

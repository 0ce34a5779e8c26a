import { sourceMetrics, type ResolvedPolicy, type ResolvedRule } from '../config/load.ts';
import { PUSHED_METRICS } from '../config/monitoring-schema.ts';
import { windowKey, type PushedSummary } from './pushed-observations.ts';
import type { Observation } from './rules/evaluate-rule.ts';
import type { MetricReading } from './sources/types.ts';
import type { ObserveBaseline } from './baseline/observe-baseline.ts';
import type { BaselineReading } from './baseline/read-baseline.ts';

type ObserveInput = { pushed: PushedSummary | undefined; pulled: Map<string, MetricReading> | undefined; pulledMetrics: ReadonlySet<string>; now: Date; staleAfterMs: number };

const isPushed = (m: string) => (PUSHED_METRICS as readonly string[]).includes(m);

/** The metrics a service's configured sources (Prometheus, HTTP probe) report; they win over pushed samples. */
export function pulledMetrics(policy: Pick<ResolvedPolicy, 'sources'>): Set<string> {
  return new Set(policy.sources.flatMap((s) => sourceMetrics(s).map(([m]) => m)));
}

/** Whether a rule's metric is read from pushed samples: a pushed name that no configured source reports. */
export const readsPushed = (metric: string, pulled: ReadonlySet<string>) => isPushed(metric) && !pulled.has(metric);

/** The (metric, window) pairs windowed rules read from pushed samples, given the metrics the sources report (`pulled`). */
export function pushedWindows(rules: readonly ResolvedRule[], pulled: ReadonlySet<string>): Array<{ metric: string; windowMs: number }> {
  return rules.filter((r) => r.window && readsPushed(r.metric, pulled)).map((r) => ({ metric: r.metric, windowMs: r.window! }));
}

/**
 * What the sources say about one metric for one rule. A metric that a configured source reports is that source's,
 * even when it carries a pushed metric's name (error_rate_per_minute is what people call their PromQL query too);
 * otherwise it comes from pushed samples: the rule's window mean, or the newest fresh sample.
 */
function observe(
  rule: ResolvedRule,
  metric: string,
  input: ObserveInput,
): Observation {
  const { pushed, now } = input;
  if (readsPushed(metric, input.pulledMetrics)) {
    if (rule.window && metric === rule.metric) {
      const w = pushed?.windows.get(windowKey(metric, rule.window));
      if (w && w.count > 0 && w.mean !== null && w.at) return { value: w.mean, observedAt: w.at, samples: w.count, source: 'pushed' };
      return { value: null, observedAt: now, samples: 0, source: 'pushed', detail: `no samples in the last ${Math.round(rule.window / 1000)} s` };
    }
    const latest = pushed?.latest[metric as keyof PushedSummary['latest']];
    if (latest) return { value: latest.value, observedAt: latest.at, samples: 1, source: 'pushed' };
    return { value: null, observedAt: now, samples: 0, source: 'pushed', detail: `no sample in the last ${Math.round(input.staleAfterMs / 1000)} s` };
  }
  const reading = input.pulled?.get(metric);
  if (!reading) return { value: null, observedAt: now, samples: 0, source: 'none', detail: 'no source reported it' };
  return { value: reading.value, observedAt: reading.value === null ? now : reading.observedAt, samples: 1, source: reading.source, ...(reading.detail ? { detail: reading.detail } : {}) };
}

/**
 * A rule's observation, as the tick and an assessment both take it: against its baseline when it has one (`reading`,
 * judged by `observeBaseline`, which the caller loaded because a baseline rule is among its rules), otherwise its
 * metric; with the traffic behind it when the rule sets min_traffic.
 */
export function observeRule(rule: ResolvedRule, input: ObserveInput, compared: { observeBaseline: ObserveBaseline | undefined; reading: BaselineReading | undefined }): Observation {
  const obs = rule.baseline ? compared.observeBaseline!(rule, compared.reading, input.now) : observe(rule, rule.metric, input);
  if (rule.min_traffic) obs.traffic = observe(rule, rule.min_traffic.metric, input).value;
  return obs;
}

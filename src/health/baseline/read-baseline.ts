import type { ResolvedPolicy, ResolvedRule } from '../../config/load.ts';
import { PUSHED_METRICS, type Baseline } from '../../config/monitoring-schema.ts';
import type { Queryable } from '../../db/client.ts';
import { findSampleValues, type KnownGoodBaseline } from '../../db/queries/baselines.ts';
import { fillTemplate, promqlStringContent, windowSince } from '../sources/fill-template.ts';
import { createPrometheusApi, type PrometheusApi } from '../sources/prometheus-api.ts';
import type { BaselineData } from './baseline-data.ts';

/** A deployment a baseline rule judges, with the deployment it is compared against (null: there is none yet). */
export interface BaselineTarget {
  deploymentId: string;
  service: string;
  environment: string;
  version: string;
  deployedAt: Date;
  baseline: KnownGoodBaseline | null;
}

export interface BaselineReading {
  data: BaselineData;
  source: string;
}

// A range query's step: a common scrape interval, so each sample is close to one scrape. (A query whose own range is
// much longer than this gives samples that overlap, and the test then believes it has more evidence than it has.)
const STEP_SECONDS = 15;

/** The rules a baseline judges: read with their baseline, once per look, by the tick and by an assessment alike. */
export const baselineRules = (rules: readonly ResolvedRule[]) => rules.filter((r) => r.baseline);

/**
 * The judgment, loaded on first use: its statistics (the distributions behind Mann-Whitney and the spread test) cost
 * about 20 ms to load, which a fleet without baseline rules, and every role's startup, should not pay.
 */
export const loadObserveBaseline = async () => (await import('./observe-baseline.ts')).observeBaseline;

type Span = { version: string; deploymentId: string; start: Date; end: Date };

type PrometheusSource = Extract<ResolvedPolicy['sources'][number], { kind: 'prometheus' }>;

/** The Prometheus source whose queries name `metric`, if any. */
const prometheusNaming = (policy: ResolvedPolicy, metric: string) =>
  policy.sources.find((s): s is PrometheusSource => s.kind === 'prometheus' && metric in s.queries);

/** `query` for one side: the deployment's labels, that side's version and deployment, and {window} its span. */
const promqlFor = (query: string, t: BaselineTarget, span: Span) =>
  fillTemplate(query, { service: t.service, environment: t.environment, deploymentId: span.deploymentId, version: span.version, windowMs: windowSince(span.start, span.end) }, promqlStringContent);

export type ReadBaselines = (input: { db: Queryable; policy: ResolvedPolicy; target: BaselineTarget; rules: ResolvedRule[]; now: Date; watchWindowMs: number }) => Promise<Map<string, BaselineReading>>;

/**
 * Reads what each baseline rule compares: the deployment since it began, and the baseline over a watch window's length
 * before it began (previous) or beside it now (canary). From Prometheus when a source names the metric (with {version}
 * and {window} filled in for each side), otherwise from pushed samples. Never throws for a source: a failure is data
 * of kind 'missing' that says why.
 */
export function createBaselineReader(deps: { fetch: typeof fetch }): ReadBaselines {
  const apis = new Map<string, PrometheusApi>();
  const apiFor = (url: string, timeoutMs: number) => {
    let api = apis.get(`${url}\u0000${timeoutMs}`);
    if (!api) apis.set(`${url}\u0000${timeoutMs}`, (api = createPrometheusApi({ url, timeoutMs }, deps)));
    return api;
  };

  return async function readBaselines(input) {
    const { target, now } = input;
    const out = new Map<string, BaselineReading>();
    await Promise.all(
      input.rules.map(async (rule) => {
        const b = rule.baseline!;
        if (!target.baseline) {
          out.set(rule.name, { data: { kind: 'missing', detail: 'no earlier known-good deployment to compare with' }, source: 'none' });
          return;
        }
        const current: Span = { version: target.version, deploymentId: target.deploymentId, start: target.deployedAt, end: now };
        const base: Span =
          b.against === 'canary'
            ? { version: target.baseline.version, deploymentId: target.baseline.deploymentId, start: target.deployedAt, end: now }
            : { version: target.baseline.version, deploymentId: target.baseline.deploymentId, start: new Date(target.deployedAt.getTime() - input.watchWindowMs), end: target.deployedAt };
        const prometheus = prometheusNaming(input.policy, rule.metric);
        let reading: BaselineReading;
        if (prometheus) {
          const api = apiFor(prometheus.url, prometheus.timeout);
          reading = { data: await fromPrometheus(api, prometheus.queries, rule, b, target, current, base, target.baseline.version), source: api.source };
        } else if ((PUSHED_METRICS as readonly string[]).includes(rule.metric)) {
          reading = { data: await fromPushed(input.db, rule, b, current, base, target.baseline.version), source: 'pushed' };
        } else {
          reading = { data: { kind: 'missing', detail: `a baseline reads Prometheus or pushed samples, and no Prometheus source names ${rule.metric}` }, source: 'none' };
        }
        // The traffic behind a samples rule's two sides, from the Prometheus query `per` names (config check holds it to one).
        const perSource = b.per && b.test !== 'rate' ? prometheusNaming(input.policy, b.per) : undefined;
        if (reading.data.kind === 'samples' && perSource) {
          const traffic = await trafficOf(apiFor(perSource.url, perSource.timeout), perSource.queries[b.per!]!, target, current, base);
          reading = typeof traffic === 'string' ? { ...reading, data: { kind: 'missing', detail: traffic } } : { ...reading, data: { ...reading.data, traffic } };
        }
        out.set(rule.name, reading);
      }),
    );
    return out;
  };
}

async function fromPrometheus(api: PrometheusApi, queries: Record<string, string>, rule: ResolvedRule, b: Baseline, t: BaselineTarget, current: Span, base: Span, baseVersion: string): Promise<BaselineData> {
  const fill = (metric: string, span: Span) => promqlFor(queries[metric]!, t, span);
  if (b.test === 'rate') {
    if (!(b.per! in queries)) return { kind: 'missing', detail: `no Prometheus query named ${b.per} beside ${rule.metric}` };
    const [events, exposure, baseEvents, baseExposure] = await Promise.all([
      api.instant(fill(rule.metric, current), { at: current.end }),
      api.instant(fill(b.per!, current), { at: current.end }),
      api.instant(fill(rule.metric, base), { at: base.end }),
      api.instant(fill(b.per!, base), { at: base.end }),
    ]);
    const named = [[events, rule.metric, 'now'], [exposure, b.per!, 'now'], [baseEvents, rule.metric, baseVersion], [baseExposure, b.per!, baseVersion]] as const;
    for (const [o, metric, side] of named) {
      if (o.value === null) return { kind: 'missing', detail: `${metric} (${side}): ${o.detail}` };
      if (o.value < 0) return { kind: 'missing', detail: `${metric} (${side}) is ${o.value}: a count cannot be negative` };
    }
    // increase() extrapolates to the window's edges, so a count may come back fractional: a count is whole.
    const whole = (x: number) => Math.round(x);
    return { kind: 'counts', baselineVersion: baseVersion, current: { events: whole(events.value!), exposure: whole(exposure.value!) }, baseline: { events: whole(baseEvents.value!), exposure: whole(baseExposure.value!) } };
  }
  const [now, before] = await Promise.all([
    api.range(fill(rule.metric, current), { start: current.start, end: current.end, stepSeconds: STEP_SECONDS }),
    api.range(fill(rule.metric, base), { start: base.start, end: base.end, stepSeconds: STEP_SECONDS }),
  ]);
  if (now.values === null) return { kind: 'missing', detail: `${rule.metric} (now): ${now.detail}` };
  if (before.values === null) return { kind: 'missing', detail: `${rule.metric} (${baseVersion}): ${before.detail}` };
  return { kind: 'samples', baselineVersion: baseVersion, current: now.values, baseline: before.values };
}

// `per`'s count over each side's span, per second: how much traffic each side's samples summarize. A string says why not.
async function trafficOf(api: PrometheusApi, query: string, t: BaselineTarget, current: Span, base: Span): Promise<{ current: number; baseline: number } | string> {
  const fill = (span: Span) => promqlFor(query, t, span);
  const [now, before] = await Promise.all([api.instant(fill(current), { at: current.end }), api.instant(fill(base), { at: base.end })]);
  if (now.value === null) return `traffic (now): ${now.detail}`;
  if (before.value === null) return `traffic (baseline): ${before.detail}`;
  const perSecond = (count: number, span: Span) => Math.max(0, count) / (windowSince(span.start, span.end) / 1000);
  return { current: perSecond(now.value, current), baseline: perSecond(before.value, base) };
}

async function fromPushed(db: Queryable, rule: ResolvedRule, b: Baseline, current: Span, base: Span, baseVersion: string): Promise<BaselineData> {
  if (b.test === 'rate') return { kind: 'missing', detail: 'pushed samples carry no counts; test: rate reads them from Prometheus' };
  const [now, before] = await Promise.all([
    findSampleValues(db, { deploymentId: current.deploymentId, metric: rule.metric, from: current.start, to: current.end }),
    findSampleValues(db, { deploymentId: base.deploymentId, metric: rule.metric, from: base.start, to: base.end }),
  ]);
  return { kind: 'samples', baselineVersion: baseVersion, current: now, baseline: before };
}

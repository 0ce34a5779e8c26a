import { z } from 'zod';
import { DurationSchema } from './duration.ts';

// Health rules and sources: "metric op threshold [over window] [for N consecutive checks] → action".

/** Metrics a pushed sample carries (POST /api/deployments/:id/health); sources may add their own names. */
export const PUSHED_METRICS = ['error_rate_per_minute', 'recent_errors', 'database_connections_pct', 'active_queries', 'p95_ms', 'memory_pct'] as const;
export type PushedMetric = (typeof PUSHED_METRICS)[number];

/** The action ladder, mildest first: a rule's action is how far up the ladder its breach may climb. */
export const ACTIONS = ['observe', 'warn', 'propose', 'auto_with_veto', 'auto'] as const;
export const ActionSchema = z.enum(ACTIONS);
export type Action = z.infer<typeof ActionSchema>;

export const MetricName = z.string().regex(/^[a-z][a-z0-9_]{0,62}$/, 'expected a metric name of lowercase letters, digits and _');
const RuleName = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'expected a lowercase name of letters, digits, _ or -');

/** How much worse than the baseline is still healthy, written as Keptn writes relative criteria: "+10%". */
const Tolerance = z
  .string()
  .regex(/^\+\d{1,4}(\.\d{1,2})?%$/, 'expected the rise the baseline allows, such as "+10%"')
  .transform((s) => Number(s.slice(1, -1)) / 100);

export const BASELINE_TESTS = ['rate', 'distribution', 'relative'] as const;

// Judges a deployment against a baseline rather than (or as well as) a fixed number. Baselines judge rises: more
// errors per request, slower or more scattered responses.
export const BaselineSchema = z
  .strictObject({
    // previous: the last known-good deployment, over a watch window's length before this one began (before/after).
    // canary: the known-good version running beside this one now, when both report ({version} in the query).
    against: z.enum(['previous', 'canary']).default('previous'),
    // rate: the metric counts events (errors) and `per` counts what they happen to (requests), both over {window}.
    // distribution: the metric's samples (latency), for a shift and for a rise in spread. relative: the mean, as is.
    // For those two `per` is optional: the requests behind the samples, so that sides whose traffic differs too much
    // to compare (a p95 of a quiet minute scatters more than a busy one's) are inconclusive, not a regression.
    test: z.enum(BASELINE_TESTS),
    per: MetricName.optional(),
    at_most: Tolerance.default(0.1),
    // The chance that a healthy deployment breaches, however often it is checked (the test is always valid).
    alpha: z.number().gt(0).max(0.1).default(0.01),
    // Below this much on either side (rate: `per`'s count; otherwise samples) the rule is inconclusive, never a pass.
    min_traffic: z.number().int().min(1).max(1_000_000_000).optional(),
  })
  .superRefine((b, ctx) => {
    if (b.test === 'rate' && !b.per) ctx.addIssue({ code: 'custom', path: ['per'], message: 'expected per: the metric that counts what the events happen to (requests), for test: rate' });
  });
export type Baseline = z.infer<typeof BaselineSchema>;

const Op = z.enum(['>', '>=', '<', '<=']);
const Threshold = z.number().refine(Number.isFinite, 'expected a finite number');

export const RuleSchema = z
  .strictObject({
    name: RuleName,
    metric: MetricName,
    // A fixed threshold, a baseline, or both (then both must say breach: the threshold is a floor worth waking for).
    op: Op.optional(),
    threshold: Threshold.optional(),
    baseline: BaselineSchema.optional(),
    // Judge the mean of the pushed samples in this window instead of the newest one. (A PromQL query carries its own.)
    window: DurationSchema.optional(),
    // Consecutive breaching observations before the rule fires: holds back a flapping metric.
    for: z.number().int().min(1).max(100).default(1),
    action: ActionSchema,
    // No data is inconclusive, never healthy: `fail` counts it as a breach, `ignore` neither breaches nor recovers.
    on_missing: z.enum(['ignore', 'fail']).default('ignore'),
    // For ratio metrics (errors / requests): below this much traffic the ratio means nothing, so the check is inconclusive.
    min_traffic: z.strictObject({ metric: MetricName, at_least: z.number().min(0) }).optional(),
    // auto_with_veto: how long an approver has to cancel before the rollback starts.
    veto: DurationSchema.optional(),
  })
  .superRefine((r, ctx) => {
    if (r.baseline) {
      if ((r.op === undefined) !== (r.threshold === undefined)) ctx.addIssue({ code: 'custom', path: [r.op === undefined ? 'op' : 'threshold'], message: 'expected op and threshold together (a floor beside the baseline), or neither' });
      return;
    }
    if (r.op === undefined) ctx.addIssue({ code: 'custom', path: ['op'], message: "expected op ('>', '>=', '<' or '<=') with a threshold, or a baseline to compare against" });
    if (r.threshold === undefined) ctx.addIssue({ code: 'custom', path: ['threshold'], message: 'expected a threshold with op, or a baseline to compare against' });
  });
export type Rule = z.infer<typeof RuleSchema>;
export type RuleInput = z.input<typeof RuleSchema>;

const Templated = z.string().min(1).max(2000);

export const PrometheusSourceSchema = z.strictObject({
  kind: z.literal('prometheus'),
  url: z.url(),
  timeout: DurationSchema.default(2_000),
  // metric → PromQL; {service}, {environment}, {version} and {deployment_id} are substituted, escaped.
  queries: z.record(MetricName, Templated),
});
export const HttpProbeSourceSchema = z.strictObject({
  kind: z.literal('http_probe'),
  url: z.url(),
  timeout: DurationSchema.default(2_000),
  // metric → dotted path into the JSON body; the probe always reports probe_up (1, or 0 when it does not answer).
  values: z.record(MetricName, z.string().min(1).max(200)).default({}),
});
export const SourceSchema = z.discriminatedUnion('kind', [PrometheusSourceSchema, HttpProbeSourceSchema]);
export type SourceConfig = z.infer<typeof SourceSchema>;

export const MonitoringSchema = z.strictObject({
  tick: DurationSchema.default(10_000),
  watch_window: DurationSchema.default(5 * 60_000),
  // A pushed sample older than this does not count as the newest observation.
  stale_after: DurationSchema.default(2 * 60_000),
  // Bounds on a pushed sample's observed_at: a clock a little ahead is tolerated, a sample from the future would be
  // "newest" forever, and one older than max_sample_age describes a past nobody is judging any more.
  max_clock_skew: DurationSchema.default(2 * 60_000),
  max_sample_age: DurationSchema.default(7 * 24 * 60 * 60_000),
  veto: DurationSchema.default(2 * 60_000),
  circuit_breaker: z
    .strictObject({ max_automatic: z.number().int().min(1).max(100).default(3), per: DurationSchema.default(60 * 60_000) })
    .default({ max_automatic: 3, per: 60 * 60_000 }),
  // A rollback is checked again in phases after it succeeds (the runbook's 0–5 min, then 5–15 min).
  recheck_after: DurationSchema.default(15 * 60_000),
  alertmanager: z
    .strictObject({
      service_label: z.string().min(1).default('service'),
      environment_label: z.string().min(1).default('environment'),
      action: ActionSchema.default('propose'),
    })
    .default({ service_label: 'service', environment_label: 'environment', action: 'propose' }),
  // People mark decisions as false alarms; a rule's precision is 1 − false alarms / decisions over its newest
  // `over_last` decisions. An auto or auto_with_veto rule below `demote_below` (0 turns this off) proposes instead,
  // once it has at least `min_decisions` of them, so one early false alarm does not demote it.
  false_alarms: z
    .strictObject({
      demote_below: z.number().min(0).max(1).default(0.8),
      min_decisions: z.number().int().min(1).max(1000).default(5),
      over_last: z.number().int().min(1).max(1000).default(20),
    })
    .refine((f) => f.over_last >= f.min_decisions, { path: ['over_last'], message: 'expected over_last to be at least min_decisions: fewer decisions can never reach the minimum' })
    .default({ demote_below: 0.8, min_decisions: 5, over_last: 20 }),
});

/** The seed's table, used when the policy file names no rules. */
export const DEFAULT_RULES: RuleInput[] = [
  { name: 'error-rate-critical', metric: 'error_rate_per_minute', op: '>', threshold: 5, action: 'auto' },
  { name: 'error-burst', metric: 'recent_errors', op: '>', threshold: 50, action: 'auto' },
  { name: 'db-connections', metric: 'database_connections_pct', op: '>', threshold: 90, action: 'auto' },
  { name: 'latency', metric: 'p95_ms', op: '>', threshold: 5000, action: 'warn' },
  { name: 'memory', metric: 'memory_pct', op: '>', threshold: 95, action: 'warn' },
  { name: 'error-rate-elevated', metric: 'error_rate_per_minute', op: '>=', threshold: 1, action: 'propose' },
];

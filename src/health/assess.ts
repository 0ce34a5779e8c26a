import type { Queryable } from '../db/client.ts';
import type { FiringAlert } from '../db/queries/health-decisions.ts';
import { dedupeWindows, readDeploymentEvidence, type DeploymentEvidence } from './pushed-observations.ts';
import { evaluateRule, type RuleOutcome } from './rules/evaluate-rule.ts';
import { observeRule, pulledMetrics, pushedWindows } from './observe.ts';
import { judge, plainReason, type HealthVerdict } from './verdict.ts';
import { findBaselines } from '../db/queries/baselines.ts';
import { baselineRules, loadObserveBaseline } from './baseline/read-baseline.ts';
import { windowSince } from './sources/fill-template.ts';
import type { Action } from '../config/monitoring-schema.ts';
import type { ResolvedPolicy } from '../config/load.ts';
import type { CoreDeps } from '../core/deps.ts';

export type AssessDeps = Pick<CoreDeps, 'config' | 'clock' | 'readSources' | 'readBaselines'> & { db: Queryable };

export interface AssessedDeployment {
  deploymentId: string;
  service: string;
  environment: string;
  version: string;
  /** When it began: a baseline is compared over the span since, and {window} in a query is that span. */
  deployedAt: Date;
}

/** The one answer to "how healthy is this deployment now?": every path that judges health shows this. */
export interface Assessment {
  deploymentId: string;
  verdict: HealthVerdict;
  /** What the rules imply: the strongest action among the rules in breach, or null. */
  action: Action | null;
  /** In plain words: the breaches, or why it is healthy or inconclusive. */
  summary: string;
  /** Each metric's value as seen (null: no data), with where it came from. */
  metrics: Record<string, { value: number | null; observed_at: string | null; source: string }>;
  /** Every rule's outcome, for evidence. */
  outcomes: RuleOutcome[];
  at: Date;
}

/**
 * Assesses one deployment from every source configured for its service and environment: Prometheus and the HTTP
 * probe (read now), pushed samples (the newest fresh one, or each windowed rule's mean) and firing Alertmanager
 * alerts, against the same rules the monitor applies. A rule's `for` streak is the monitor's to count; a single
 * assessment reports what each rule sees now. `pushedSince` ignores samples observed before it (verification wants
 * data from the restored version only). `evidence` is the database's part, when the caller read it along with something
 * else (a worker's claim) for every windowed rule of this deployment's policy.
 */
export async function assessDeployment(deps: AssessDeps, d: AssessedDeployment, options: { pushedSince?: Date; evidence?: DeploymentEvidence } = {}): Promise<Assessment> {
  const now = deps.clock();
  const policy = deps.config.resolve(d.service, d.environment);
  const base = { deploymentId: d.deploymentId, at: now };
  if (!policy) return { ...base, verdict: 'inconclusive', action: null, summary: `${d.service} in ${d.environment} is not configured`, metrics: {}, outcomes: [] };
  const staleAfterMs = deps.config.raw.monitoring.stale_after;
  const pulledNames = pulledMetrics(policy);
  const comparing = baselineRules(policy.rules);
  const [pulledReadings, { pushed, alerts }, compared] = await Promise.all([
    policy.sources.length ? deps.readSources(policy, { service: d.service, environment: d.environment, deploymentId: d.deploymentId, version: d.version, windowMs: windowSince(d.deployedAt, now) }) : Promise.resolve([]),
    options.evidence ?? readDeploymentEvidence(deps.db, d.deploymentId, { windows: dedupeWindows(pushedWindows(policy.rules, pulledNames)), now, staleAfterMs, clockSkewMs: deps.config.raw.monitoring.max_clock_skew, ...(options.pushedSince ? { notBefore: options.pushedSince } : {}) }),
    comparing.length ? readComparisons(deps, d, policy, comparing, now) : Promise.resolve(undefined),
  ]);
  const observeBaseline = comparing.length ? await loadObserveBaseline() : undefined;
  const pulled = new Map(pulledReadings.map((r) => [r.metric, r]));
  const input = { pushed, pulled, pulledMetrics: pulledNames, now, staleAfterMs };

  const outcomes: RuleOutcome[] = [];
  const metrics: Assessment['metrics'] = {};
  for (const rule of policy.rules) {
    const obs = observeRule(rule, input, { observeBaseline, reading: compared?.get(rule.name) });
    const outcome = evaluateRule(rule, obs, undefined);
    if (!outcome) continue;
    outcomes.push(outcome);
    if (!(rule.metric in metrics) || metrics[rule.metric]!.value === null) {
      metrics[rule.metric] = { value: obs.value, observed_at: obs.value === null ? null : obs.observedAt.toISOString(), source: obs.source };
    }
  }
  // Pushed metrics no rule judges are still part of what is seen (the seed's check reports them).
  for (const [metric, latest] of Object.entries(input.pushed?.latest ?? {})) {
    if (!latest || metrics[metric]?.value != null || pulledNames.has(metric)) continue;
    metrics[metric] = { value: latest.value, observed_at: latest.at.toISOString(), source: 'pushed' };
  }
  for (const a of alerts) outcomes.push(alertOutcome(deps.config.raw.monitoring.alertmanager.action, a));

  const judged = judge(outcomes, pulledNames);
  const summary =
    judged.verdict === 'healthy'
      ? `Healthy: ${outcomes.filter((o) => o.verdict === 'ok').map((o) => o.explanation.replace(/^[^:]+: /, '')).filter(unique).slice(0, 3).join('; ')}`
      : judged.verdict === 'inconclusive'
        ? `Inconclusive: ${inconclusiveWhy(outcomes, pulledNames)}`
        : `${judged.verdict === 'unhealthy' ? 'Unhealthy' : 'Degraded'}: ${plainReason(judged.breaches)}`;
  return { ...base, verdict: judged.verdict, action: judged.action, summary, metrics, outcomes };
}

// The same reads the tick makes for a baseline rule, so a check and the card say the same thing about the same data.
async function readComparisons(deps: AssessDeps, d: AssessedDeployment, policy: ResolvedPolicy, rules: ResolvedPolicy['rules'], now: Date) {
  const known = await findBaselines(deps.db, [d.deploymentId]);
  return deps.readBaselines({ db: deps.db, policy, target: { ...d, baseline: known.get(d.deploymentId) ?? null }, rules, now, watchWindowMs: deps.config.raw.monitoring.watch_window });
}

const unique = (x: string, i: number, all: string[]) => all.indexOf(x) === i;

function inconclusiveWhy(outcomes: RuleOutcome[], pulled: ReadonlySet<string>): string {
  const silent = outcomes.filter((o) => o.verdict === 'inconclusive' && !o.rule.baseline && pulled.has(o.rule.metric));
  if (silent.length) return `no data from ${[...new Set(silent.map((o) => `${o.rule.metric}${o.observation.detail ? ` (${o.observation.detail})` : ''}`))].join(', ')}`;
  const compared = outcomes.find((o) => o.verdict === 'inconclusive' && o.observation.baseline);
  if (compared) return compared.observation.baseline!.words;
  return 'no health data for this deployment';
}

function alertOutcome(action: Action, a: FiringAlert): RuleOutcome {
  const observedAt = new Date(a.starts_at);
  return {
    rule: { name: `alert-${a.alertname ?? 'unnamed'}`.slice(0, 63), metric: 'alert', op: '>', threshold: 0, for: 1, action, on_missing: 'ignore', origin: 'monitoring.alertmanager' },
    verdict: 'breach',
    consecutive: 1,
    fires: false,
    stateObservedAt: observedAt,
    observation: { value: 1, observedAt, samples: 1, source: 'alertmanager' },
    explanation: `Alertmanager: ${a.summary}`,
    evidence: { alertname: a.alertname, fingerprint: a.fingerprint, starts_at: a.starts_at, source: 'alertmanager' },
  };
}

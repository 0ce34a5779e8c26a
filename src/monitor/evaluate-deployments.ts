import { sql } from 'drizzle-orm';
import type { ResolvedPolicy } from '../config/load.ts';
import type { Queryable } from '../db/client.ts';
import { observeRule, pulledMetrics, pushedWindows, readsPushed } from '../health/observe.ts';
import type { MetricReading } from '../health/sources/types.ts';
import { evaluateRule } from '../health/rules/evaluate-rule.ts';
import { dedupeWindows, readPushedObservations } from '../health/pushed-observations.ts';
import { loadRuleStates, writeRuleStates, type StateWrite } from '../db/queries/rule-states.ts';
import { findWatchedPage, type WatchCursor } from '../db/queries/watches.ts';
import { findBaselines } from '../db/queries/baselines.ts';
import type { ObserveBaseline } from '../health/baseline/observe-baseline.ts';
import { baselineRules, loadObserveBaseline, type BaselineReading } from '../health/baseline/read-baseline.ts';
import { windowSince } from '../health/sources/fill-template.ts';
import type { DeploymentVerdict, MonitorDeps, WatchedDeployment } from './types.ts';

// Ticks take this lock exclusively and arrival-time evaluations take it shared (plus one per deployment), so a rule's
// count of consecutive breaches is never advanced twice for the same observation.
const MONITOR_LOCK = 7_260_010;
const DEPLOYMENT_LOCK_SPACE = 7_260_011;
const SOURCE_CONCURRENCY = 8;
// A tick judges the fleet a page at a time: memory holds one page, and each page is one short transaction.
const PAGE = 2_000;

/** A service and environment's policy, and the metrics its sources report, worked out once per tick. */
type Resolved = { policy: ResolvedPolicy; pulled: Set<string> };

interface Target {
  d: WatchedDeployment;
  policy: ResolvedPolicy;
  pulled: Set<string>;
  rules: ResolvedPolicy['rules'];
}

function targetsOf(deps: MonitorDeps, watched: WatchedDeployment[], mode: 'tick' | 'arrival', policies: Map<string, Resolved | undefined>): Target[] {
  // Resolved once per service and environment, not once per deployment: a fleet has few of those.
  const policyOf = (d: WatchedDeployment) => {
    const key = `${d.service}\u0000${d.environment}`;
    if (!policies.has(key)) {
      const policy = deps.config.resolve(d.service, d.environment);
      policies.set(key, policy && { policy, pulled: pulledMetrics(policy) });
    }
    return policies.get(key);
  };
  return watched.flatMap((d) => {
    const resolved = policyOf(d);
    if (!resolved) return [];
    const { policy, pulled } = resolved;
    // On arrival only the rules a pushed sample feeds; a metric a configured source reports, and a comparison with a
    // baseline (read afresh at each look), are the tick's to judge.
    return [{ d, policy, pulled, rules: mode === 'arrival' ? policy.rules.filter((r) => !r.baseline && readsPushed(r.metric, pulled)) : policy.rules }];
  });
}

type Read = { pulled: Map<string, Map<string, MetricReading>>; baselines: Map<string, Map<string, BaselineReading>>; observeBaseline?: ObserveBaseline };

/** Reads the page's configured sources and what its baseline rules compare, outside any transaction. */
async function readAllSources(deps: MonitorDeps, targets: Target[], now: Date): Promise<Read> {
  const out: Read = { pulled: new Map(), baselines: new Map() };
  const comparing = new Set(targets.filter((t) => t.rules.some((r) => r.baseline)));
  const knownGood = await findBaselines(deps.db, [...comparing].map((t) => t.d.deploymentId));
  if (comparing.size > 0) out.observeBaseline = await loadObserveBaseline();
  const queue = targets.filter((t) => t.policy.sources.length > 0 || comparing.has(t));
  const worker = async () => {
    for (let next = queue.shift(); next; next = queue.shift()) {
      const { d, policy } = next;
      if (policy.sources.length > 0) {
        const readings = await deps.readSources(policy, { service: d.service, environment: d.environment, deploymentId: d.deploymentId, version: d.version, windowMs: windowSince(d.deployedAt, now) });
        out.pulled.set(d.deploymentId, new Map(readings.map((r) => [r.metric, r])));
      }
      const rules = baselineRules(next.rules);
      if (rules.length > 0) {
        const target = { ...d, baseline: knownGood.get(d.deploymentId) ?? null };
        out.baselines.set(d.deploymentId, await deps.readBaselines({ db: deps.db, policy, target, rules, now, watchWindowMs: deps.config.raw.monitoring.watch_window }));
      }
    }
  };
  await Promise.all(Array.from({ length: SOURCE_CONCURRENCY }, worker));
  return out;
}

/**
 * Judges every rule of the given deployments with a constant number of queries: one read of pushed samples (as
 * aggregates per deployment, metric and window), one read of rule states, one write of the changed states. Keeps a
 * deployment's verdict only when something fired, unless `keepAll`.
 */
async function judge(deps: MonitorDeps, tx: Queryable, targets: Target[], read: Read, now: Date, keepAll: boolean): Promise<DeploymentVerdict[]> {
  const monitoring = deps.config.raw.monitoring;
  const windows = dedupeWindows(targets.flatMap((t) => pushedWindows(t.rules, t.pulled)));
  const ids = targets.map((t) => t.d.deploymentId);
  const pushed = await readPushedObservations(tx, { deploymentIds: ids, windows, now, staleAfterMs: monitoring.stale_after, clockSkewMs: monitoring.max_clock_skew });
  const states = await loadRuleStates(tx, ids);
  const writes: StateWrite[] = [];
  const verdicts: DeploymentVerdict[] = [];
  for (const { d, rules, pulled: pulledNames } of targets) {
    const verdict: DeploymentVerdict = { deployment: d, outcomes: [], fired: [] };
    const input = { pushed: pushed.get(d.deploymentId), pulled: read.pulled.get(d.deploymentId), pulledMetrics: pulledNames, now, staleAfterMs: monitoring.stale_after };
    const compared = read.baselines.get(d.deploymentId);
    const priors = states.get(d.deploymentId);
    for (const rule of rules) {
      // A tick reads baselines before it judges (readAllSources); arrival leaves baseline rules out (targetsOf).
      const obs = observeRule(rule, input, { observeBaseline: read.observeBaseline, reading: compared?.get(rule.name) });
      const prior = priors?.get(rule.name);
      const outcome = evaluateRule(rule, obs, prior);
      if (!outcome) continue;
      verdict.outcomes.push(outcome);
      if (outcome.fires) verdict.fired.push(outcome);
      // Nothing to remember and nothing to reset: no write (see loadRuleStates). Pulled readings are always kept,
      // healthy or empty, since they leave no sample behind: the end of the watch judges on the newest of them, and
      // a source that went quiet after a healthy reading must not leave that reading standing.
      if (!prior && outcome.consecutive === 0 && obs.source === 'pushed') continue;
      // A baseline rule that cannot compare is read afresh next tick; stored, it would keep the watch from ever
      // passing, and the first deployment of a service has no baseline at all.
      if (rule.baseline && outcome.verdict === 'inconclusive') continue;
      writes.push({ deploymentId: d.deploymentId, rule: rule.name, verdict: outcome.verdict, consecutive: outcome.consecutive, value: obs.value, observedAt: outcome.stateObservedAt });
    }
    if (keepAll || verdict.fired.length) verdicts.push(verdict);
  }
  await writeRuleStates(tx, writes, now);
  return verdicts;
}

/**
 * A sample or an alert just arrived: judges these deployments' pushed rules now, under the shared monitor lock and
 * each deployment's own, so it never counts an observation a tick is counting at the same moment.
 */
export async function evaluateOnArrivalOf(deps: MonitorDeps, watched: WatchedDeployment[]): Promise<DeploymentVerdict[]> {
  const now = deps.clock();
  const targets = targetsOf(deps, watched, 'arrival', new Map());
  if (targets.length === 0) return [];
  return deps.db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock_shared(${MONITOR_LOCK})`);
    for (const t of targets) await tx.execute(sql`select pg_advisory_xact_lock(${DEPLOYMENT_LOCK_SPACE}, hashtext(${t.d.deploymentId}))`);
    return judge(deps, tx, targets, { pulled: new Map(), baselines: new Map() }, now, true);
  });
}

export interface WatchedEvaluation {
  watched: number;
  /** Only the deployments where a rule fired: a healthy fleet leaves nothing behind. */
  fired: DeploymentVerdict[];
}

/**
 * The tick's evaluation of every deployment under watch, a page at a time: the page's pulled sources are read
 * outside any transaction, then one short transaction per page holds the monitor lock exclusively while it judges.
 * Returns null when another tick holds the lock at the start.
 */
export async function evaluateWatched(deps: MonitorDeps): Promise<WatchedEvaluation | null> {
  const now = deps.clock();
  const policies = new Map<string, Resolved | undefined>();
  const result: WatchedEvaluation = { watched: 0, fired: [] };
  let cursor: WatchCursor | null = null;
  let first = true;
  do {
    const { page, next }: { page: WatchedDeployment[]; next: WatchCursor | null } = await findWatchedPage(deps.db, cursor, PAGE);
    cursor = next;
    result.watched += page.length;
    const targets = targetsOf(deps, page, 'tick', policies);
    const read = await readAllSources(deps, targets, now);
    const fired = await deps.db.transaction(async (tx) => {
      if (first) {
        // Another tick is running (the scheduler runs one at a time; this guards a manual or overlapping one).
        const got = await tx.execute<{ ok: boolean }>(sql`select pg_try_advisory_xact_lock(${MONITOR_LOCK}) as ok`);
        if (!got.rows[0]?.ok) return null;
      } else {
        await tx.execute(sql`select pg_advisory_xact_lock(${MONITOR_LOCK})`);
      }
      return targets.length ? judge(deps, tx, targets, read, now, false) : [];
    });
    if (fired === null) return null;
    first = false;
    result.fired.push(...fired);
  } while (cursor);
  return result;
}

import { sql } from 'drizzle-orm';
import type { ResolvedPolicy } from '../config/load.ts';
import { observe, pulledMetrics, readsPushed } from '../health/observe.ts';
import type { MetricReading } from '../health/sources/types.ts';
import { evaluateRule } from '../health/rules/evaluate-rule.ts';
import { readPushedObservations, windowKey } from '../health/pushed-observations.ts';
import { loadRuleStates, stateKey, writeRuleStates, type StateWrite } from '../db/queries/rule-states.ts';
import type { DeploymentVerdict, MonitorDeps, WatchedDeployment } from './types.ts';

// Ticks take this lock exclusively and arrival-time evaluations take it shared (plus one per deployment), so a rule's
// count of consecutive breaches is never advanced twice for the same observation.
const MONITOR_LOCK = 7_260_010;
const DEPLOYMENT_LOCK_SPACE = 7_260_011;
const SOURCE_CONCURRENCY = 8;

async function readAllSources(deps: MonitorDeps, targets: Array<{ d: WatchedDeployment; policy: ResolvedPolicy }>): Promise<Map<string, Map<string, MetricReading>>> {
  const out = new Map<string, Map<string, MetricReading>>();
  const queue = targets.filter((t) => t.policy.sources.length > 0);
  const worker = async () => {
    for (let next = queue.shift(); next; next = queue.shift()) {
      const readings = await deps.readSources(next.policy, { service: next.d.service, environment: next.d.environment, deploymentId: next.d.deploymentId, version: next.d.version });
      out.set(next.d.deploymentId, new Map(readings.map((r) => [r.metric, r])));
    }
  };
  await Promise.all(Array.from({ length: SOURCE_CONCURRENCY }, worker));
  return out;
}

/**
 * Evaluates every rule of every given deployment with a constant number of queries: one read of pushed samples,
 * one read of rule states, one write of the changed states. `pushedOnly` (a sample just arrived) skips the pulled
 * sources, which the tick reads. Returns null when another tick holds the monitor.
 */
export async function evaluateDeployments(deps: MonitorDeps, watched: WatchedDeployment[], mode: 'tick' | 'arrival'): Promise<DeploymentVerdict[] | null> {
  const now = deps.clock();
  const monitoring = deps.config.raw.monitoring;
  // Resolved once per service and environment, not once per deployment: a fleet has few of those.
  const policies = new Map<string, ReturnType<typeof deps.config.resolve>>();
  const policyOf = (d: WatchedDeployment) => {
    const key = `${d.service}\u0000${d.environment}`;
    if (!policies.has(key)) policies.set(key, deps.config.resolve(d.service, d.environment));
    return policies.get(key);
  };
  const targets = watched.flatMap((d) => {
    const policy = policyOf(d);
    if (!policy) return [];
    const pulled = pulledMetrics(policy);
    // On arrival only the rules a pushed sample feeds; a metric a configured source reports is the tick's to read.
    return [{ d, policy, pulled, rules: mode === 'arrival' ? policy.rules.filter((r) => readsPushed(r.metric, pulled)) : policy.rules }];
  });
  if (targets.length === 0) return [];
  const windows = new Map<string, { metric: string; windowMs: number }>();
  for (const t of targets) for (const r of t.rules) if (r.window && readsPushed(r.metric, t.pulled)) windows.set(windowKey(r.metric, r.window), { metric: r.metric, windowMs: r.window });
  const pulled = mode === 'tick' ? await readAllSources(deps, targets) : new Map<string, Map<string, MetricReading>>();

  return deps.db.transaction(async (tx) => {
    if (mode === 'tick') {
      const got = await tx.execute<{ ok: boolean }>(sql`select pg_try_advisory_xact_lock(${MONITOR_LOCK}) as ok`);
      if (!got.rows[0]?.ok) return null;
    } else {
      await tx.execute(sql`select pg_advisory_xact_lock_shared(${MONITOR_LOCK})`);
      for (const t of targets) await tx.execute(sql`select pg_advisory_xact_lock(${DEPLOYMENT_LOCK_SPACE}, hashtext(${t.d.deploymentId}))`);
    }
    const ids = targets.map((t) => t.d.deploymentId);
    const pushed = await readPushedObservations(tx, { deploymentIds: ids, windows: [...windows.values()], now, staleAfterMs: monitoring.stale_after });
    const states = await loadRuleStates(tx, ids);
    const writes: StateWrite[] = [];
    const verdicts: DeploymentVerdict[] = [];
    for (const { d, rules, pulled: pulledNames } of targets) {
      const verdict: DeploymentVerdict = { deployment: d, outcomes: [], fired: [] };
      const input = { pushed: pushed.get(d.deploymentId), pulled: pulled.get(d.deploymentId), pulledMetrics: pulledNames, now, staleAfterMs: monitoring.stale_after };
      for (const rule of rules) {
        const obs = observe(rule, rule.metric, input);
        if (rule.min_traffic) obs.traffic = observe(rule, rule.min_traffic.metric, input).value;
        const prior = states.get(stateKey(d.deploymentId, rule.name));
        const outcome = evaluateRule(rule, obs, prior);
        if (!outcome) continue;
        verdict.outcomes.push(outcome);
        if (outcome.fires) verdict.fired.push(outcome);
        // Nothing to remember and nothing to reset: no write (see loadRuleStates). Pulled readings are always kept,
        // healthy or empty, since they leave no sample behind: the end of the watch judges on the newest of them, and
        // a source that went quiet after a healthy reading must not leave that reading standing.
        if (!prior && outcome.consecutive === 0 && obs.source === 'pushed') continue;
        writes.push({ deploymentId: d.deploymentId, rule: rule.name, verdict: outcome.verdict, consecutive: outcome.consecutive, value: obs.value, observedAt: outcome.stateObservedAt });
      }
      verdicts.push(verdict);
    }
    await writeRuleStates(tx, writes, now);
    return verdicts;
  });
}

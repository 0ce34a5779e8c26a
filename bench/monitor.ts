// Monitor benchmarks.
// 1. Detection: a breaching pushed sample → the rollback job enqueued, through the real core (record the sample,
//    judge it on arrival, admit the rollback, enqueue). Floor: recording the same sample without judging it.
// 2. Tick: one set-based evaluation of 1,000, 10,000 and 100,000 deployments under watch (one fresh sample each), the
//    first tick (every rule state written) and a steady one (nothing new to count).
// Usage: node bin/run-ts.mjs bench/monitor.ts [detection-iterations]
import { randomBytes } from 'node:crypto';
import { parseConfig } from '../src/config/load.ts';
import { runMigrations } from '../src/db/migrate.ts';
import { completeDeployment, recordDeployment } from '../src/deployments/record-deployment.ts';
import { recordHealthSample } from '../src/deployments/record-facts.ts';
import { createAppDeps } from '../src/main/deps.ts';
import { parseEnv } from '../src/main/env.ts';
import { createLogger } from '../src/logging/logger.ts';
import { evaluateOnArrival, runTick } from '../src/monitor/run-tick.ts';
import type { Role } from '../src/config/schema.ts';
import { pct, REDIS, round, withBenchDatabase } from './support.ts';

const ITERATIONS = Number(process.argv[2] ?? 100);
const SIZES = [1_000, 10_000, 100_000];


async function main(url: string) {
  const env = parseEnv({ DATABASE_URL: url, REDIS_URL: REDIS, BACKSTOP_QUEUE_PREFIX: `bench${randomBytes(3).toString('hex')}` });
  const config = parseConfig(`
monitoring: { watch_window: 1h, circuit_breaker: { max_automatic: 100, per: 1ms } }
environments: { staging: { approvals: { required: 1 } } }
defaults: { verification: { window: 0ms, interval: 10ms, on_no_data: pass } }
services:
  payments: { environments: [staging], executor: { kind: command, argv: ["true"] } }
  fleet: { environments: [staging], executor: { kind: command, argv: ["true"] } }
`);
  if (!env.ok || !config.ok) throw new Error('bench setup is invalid');
  const deps = createAppDeps({ env: env.env, config: config.config, logger: createLogger({ level: 'error' }), baseEnv: {} });
  await runMigrations(deps.pool);
  const ci = { id: 'ci', roles: new Set<Role>(['deployer', 'approver']), source: 'api' as const };
  const results: Record<string, unknown> = {};
  try {
    // 1. Detection. Each bad deploy gets one breaching sample; its rollback is cancelled before the next round so
    //    the next one is admitted (one active rollback per service and environment).
    const { deployment: good } = await recordDeployment(deps, ci, { service: 'payments', environment: 'staging', version: 'v0', git_commit: 'abc1234' });
    await completeDeployment(deps, ci, good.deploymentId, { status: 'success', health_check_passed: true });
    const detect: number[] = [];
    const floor: number[] = [];
    for (let i = 0; i < ITERATIONS + 10; i++) {
      // The floor: recording a (healthy) sample without judging it. It also leaves the service healthy just before the
      // next deploy, so that deploy's breach is its own and not "already breaching before it".
      const f0 = performance.now();
      await recordHealthSample(deps, good.deploymentId, { error_rate_per_minute: 0.5 });
      const f1 = performance.now();
      const { deployment: bad } = await recordDeployment(deps, ci, { service: 'payments', environment: 'staging', version: `v${i + 1}`, git_commit: 'abc1234' });
      const t0 = performance.now();
      await recordHealthSample(deps, bad.deploymentId, { error_rate_per_minute: 8.5 });
      const decided = await evaluateOnArrival(deps, bad.deploymentId);
      const t1 = performance.now();
      if (decided?.action !== 'auto' || !decided.eventId) throw new Error(`expected an automatic rollback, got ${JSON.stringify(decided)}`);
      await deps.pool.query(`update ops.rollback_events set status = 'cancelled', completed_at = now() where event_id = $1`, [decided.eventId]);
      await deps.rollbackQueue.queue.remove(`rb-${decided.eventId}`).catch(() => undefined);
      if (i >= 10) {
        detect.push(t1 - t0);
        floor.push(f1 - f0);
      }
    }
    results.detection = { n: detect.length, p50_ms: round(pct(detect, 50)), p99_ms: round(pct(detect, 99)), floor_p50_ms: round(pct(floor, 50)), floor_p99_ms: round(pct(floor, 99)), target: 'p99 < 250 ms' };

    // 2. Tick scale: deployments inserted in bulk (each under watch, with one healthy sample), then ticks timed.
    let have = 0;
    const ticks: Record<string, { first_ms: number; steady_ms: number }> = {};
    await deps.pool.query(`update ops.deployments set watch_result = 'superseded' where watch_result is null`);
    for (const size of SIZES) {
      const add = size - have;
      await deps.pool.query(
        `insert into ops.deployments (service, environment, version, git_commit, status, watch_ends_at)
         select 'fleet', 'staging', 'v' || g, 'abc1234', 'success', now() + interval '1 hour' from generate_series(1, $1) g`,
        [add],
      );
      have = size;
      await deps.pool.query(
        `insert into ops.health_samples (deployment_id, source, observed_at, error_rate_per_minute, recent_errors, database_connections_pct)
         select deployment_id, 'bench', now(), 0.1, 1, 20 from ops.deployments where watch_result is null`,
      );
      await deps.pool.query('analyze');
      const first = await runTick(deps);
      const steady = await runTick(deps);
      if (first.watched !== size || first.decisions.length) throw new Error(`tick saw ${first.watched} deployments and made ${first.decisions.length} decisions`);
      ticks[String(size)] = { first_ms: round(first.ms), steady_ms: round(steady.ms) };
    }
    results.tick = ticks;
  } finally {
    await deps.close();
  }
  const tick = results.tick as Record<string, { first_ms: number }>;
  console.log(JSON.stringify({ bench: 'monitor', ...results, tick_target: '10,000 under 1 s, linear', tick_10k_met: tick['10000']!.first_ms < 1000 }));
  console.table({ detection: results.detection });
  console.table(results.tick);
}

await withBenchDatabase(main);

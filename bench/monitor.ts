// Monitor benchmarks, on an empty database and on a generated year.
// 1. Detection: a breaching pushed sample → the rollback job enqueued, through the real core (record the sample,
//    judge it on arrival, admit the rollback, enqueue). Floor: recording the same sample without judging it.
// 2. Tick: 10,000, 100,000 and 300,000 deployments under watch (one fresh sample each): the first tick and a steady
//    one, with the peak RSS of the process (one per dataset) during the tick. Floor: a plain read of the same rows
//    (the watched deployments, a page at a time, and their samples), without judging them.
// 3. A thousand watches ending in one tick, over the 600 services and environments of the policy.
// Plans: EXPLAIN (ANALYZE, BUFFERS) of the statements the largest tick and the watch endings sent, slowest first.
// Usage: node bin/run-ts.mjs bench/monitor.ts [detection-iterations]
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { parseConfig } from '../src/config/load.ts';
import { runMigrations } from '../src/db/migrate.ts';
import { completeDeployment, recordDeployment } from '../src/deployments/record-deployment.ts';
import { recordHealthSample } from '../src/deployments/record-facts.ts';
import { createAppDeps } from '../src/main/deps.ts';
import { parseEnv } from '../src/main/env.ts';
import { createLogger } from '../src/logging/logger.ts';
import { evaluateOnArrival, runTick } from '../src/monitor/run-tick.ts';
import type { Role } from '../src/config/schema.ts';
import { countStatements } from '../test/support/statement-counter.ts';
import { DATASETS, explainSent, pct, REDIS, reportPlans, round, runBench, withBenchDatabase, type Dataset, type PlanCheck } from './support.ts';

const ITERATIONS = Number(process.argv[2] ?? 100);
const SIZES = (process.env.BENCH_TICK_SIZES ?? '10000,100000,300000').split(',').map(Number);
const PAGE = 2_000;
const MB = 1024 * 1024;

/** Runs fn while sampling the process's RSS every 5 ms; returns its result, its time and the peak RSS seen. */
async function measured<T>(fn: () => Promise<T>): Promise<{ value: T; ms: number; peakRssMb: number }> {
  let peak = process.memoryUsage.rss();
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 5);
  const t0 = performance.now();
  try {
    const value = await fn();
    return { value, ms: round(performance.now() - t0), peakRssMb: Math.round(Math.max(peak, process.memoryUsage.rss()) / MB) };
  } finally {
    clearInterval(timer);
  }
}

async function onDataset(dataset: Dataset): Promise<Record<string, unknown>> {
  return withBenchDatabase(async (url) => {
    const env = parseEnv({ DATABASE_URL: url, REDIS_URL: REDIS, BACKSTOP_QUEUE_PREFIX: `bench${randomBytes(3).toString('hex')}` });
    // The year's 200 services are in the policy too, so their own watched deployments are judged with the fleet.
    const config = parseConfig(`
monitoring: { watch_window: 1h, circuit_breaker: { max_automatic: 100, per: 1ms } }
environments: { production: { approvals: { required: 1 } }, staging: { approvals: { required: 1 } }, development: { approvals: { required: 1 } } }
defaults: { verification: { window: 0ms, interval: 10ms, on_no_data: pass } }
services:
  payments: { environments: [staging], executor: { kind: command, argv: ["true"] } }
  fleet: { environments: [staging], executor: { kind: command, argv: ["true"] } }
${Array.from({ length: 200 }, (_, i) => `  svc-${String(i).padStart(3, '0')}: { environments: [production, staging, development], executor: { kind: command, argv: ["true"] } }`).join('\n')}
`);
    if (!env.ok || !config.ok) throw new Error(`bench setup is invalid: ${JSON.stringify(!config.ok ? config.errors : '')}`);
    const deps = createAppDeps({ env: env.env, config: config.config, logger: createLogger({ level: 'error' }), baseEnv: {} });
    const counter = countStatements(deps.pool);
    await runMigrations(deps.pool);
    const ci = { id: 'ci', roles: new Set<Role>(['deployer', 'approver']), source: 'api' as const };
    const results: Record<string, unknown> = { dataset };
    const plans: PlanCheck[] = [];
    try {
      // 1. Detection. Each bad deploy gets one breaching sample; its rollback is cancelled before the next round so
      //    the next one is admitted (one active rollback per service and environment).
      const { deployment: good } = await recordDeployment(deps, ci, { service: 'payments', environment: 'staging', version: 'v0', git_commit: 'abc1234' });
      await completeDeployment(deps, ci, good.deploymentId, { status: 'success', health_check_passed: true });
      const detect: number[] = [];
      const floor: number[] = [];
      for (let i = 0; i < ITERATIONS + 10; i++) {
        // The floor: recording a (healthy) sample without judging it. It also leaves the service healthy just before
        // the next deploy, so that deploy's breach is its own and not "already breaching before it".
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
        await (await deps.rollbackQueue.queue()).remove(`rb-${decided.eventId}`).catch(() => undefined);
        if (i >= 10) {
          detect.push(t1 - t0);
          floor.push(f1 - f0);
        }
      }
      results.detection = { n: detect.length, p50_ms: round(pct(detect, 50)), p99_ms: round(pct(detect, 99)), floor_p50_ms: round(pct(floor, 50)), floor_p99_ms: round(pct(floor, 99)) };

      // 2. Tick scale: deployments inserted in bulk (each under watch, with one healthy sample), then ticks timed.
      const ticks: Record<string, Record<string, number>> = {};
      await deps.pool.query(`update ops.deployments set watch_result = 'superseded' where watch_result is null and service in ('payments', 'fleet')`);
      const own = Number((await deps.pool.query(`select count(*) as n from ops.deployments where watch_ends_at is not null and watch_result is null`)).rows[0].n);
      let have = 0;
      for (const size of SIZES) {
        await deps.pool.query(
          `insert into ops.deployments (service, environment, version, git_commit, status, watch_ends_at)
           select 'fleet', 'staging', 'v' || g, 'abc1234', 'success', now() + interval '1 hour' from generate_series($1::int + 1, $2::int) g`,
          [have, size],
        );
        await deps.pool.query(
          `insert into ops.health_samples (deployment_id, source, observed_at, error_rate_per_minute, recent_errors, database_connections_pct)
           select deployment_id, 'bench', now(), 0.1, 1, 20 from ops.deployments where service = 'fleet' and watch_result is null
             and not exists (select 1 from ops.health_samples h where h.deployment_id = ops.deployments.deployment_id)`,
        );
        have = size;
        await deps.pool.query('vacuum analyze ops.deployments');
        await deps.pool.query('analyze ops.health_samples');
        // The ticks are measured with nothing kept of the statements they send: at 300k, keeping them with their
        // parameters (a page's ids) held tens of MB of the bench's own in the peak RSS.
        counter.recording = false;
        const first = await measured(() => runTick(deps));
        const steady = await measured(() => runTick(deps));
        counter.recording = true;
        // The plans of the largest tick's statements (one more tick, unmeasured), explained below on the data as it stands.
        if (size === SIZES[SIZES.length - 1]) {
          counter.reset();
          await runTick(deps);
          plans.push(...slowestAndScans(await explainSent(url, counter.sent)));
        }
        if (first.value.watched !== size + own) throw new Error(`tick saw ${first.value.watched} deployments, expected ${size + own}`);
        if (first.value.decisions.length) throw new Error(`a healthy fleet made ${first.value.decisions.length} decisions`);
        const plain = await measured(() => plainRead(deps.pool));
        ticks[String(size)] = { first_ms: first.ms, steady_ms: steady.ms, peak_rss_mb: Math.max(first.peakRssMb, steady.peakRssMb), floor_plain_read_ms: plain.ms, ratio: round(steady.ms / plain.ms) };
      }
      results.tick = ticks;
      // 3. A thousand watches end in one tick, spread over the policy's 600 services and environments.
      await deps.pool.query(`update ops.deployments set watch_result = 'superseded' where watch_result is null`);
      await deps.pool.query(
        `insert into ops.deployments (service, environment, version, git_commit, status, deployed_at, watch_ends_at)
         select 'svc-' || lpad((g % 200)::text, 3, '0'), (array['production','staging','development'])[g % 3 + 1], 'end' || g, 'abc1234', 'in_progress',
           now() - interval '61 minutes', now() - interval '1 minute' from generate_series(1, 1000) g`,
      );
      await deps.pool.query(
        `insert into ops.health_samples (deployment_id, source, observed_at, error_rate_per_minute) select deployment_id, 'bench', now() - interval '30 seconds', 0.1 from ops.deployments where version like 'end%'`,
      );
      await deps.pool.query('analyze');
      counter.reset();
      const ending = await measured(() => runTick(deps));
      plans.push(...slowestAndScans(await explainSent(url, counter.sent)));
      results.watch_endings = { ended: ending.value.watchesEnded, ms: ending.ms };
    } finally {
      await deps.close();
    }
    results.plans_without_seq_scans = reportPlans(plans);
    return results;
  }, dataset);
}

// The six slowest plans, and every plan that scans a growing table.
const slowestAndScans = (plans: PlanCheck[]) => plans.filter((p, i) => i < 6 || p.seqScans.length);

// The floor of a tick: the same rows read plainly, a page at a time, with nothing judged or written.
async function plainRead(pool: import('pg').Pool): Promise<number> {
  let after: [Date, number] = [new Date(0), 0];
  let rows = 0;
  for (;;) {
    const page = await pool.query<{ id: string; watch_ends_at: Date; deployment_id: string }>(
      `select id, watch_ends_at, deployment_id, service, environment, version, deployed_at, rollback_from from ops.deployments
       where watch_ends_at is not null and watch_result is null and (watch_ends_at, id) > ($1, $2) order by watch_ends_at, id limit ${PAGE}`,
      after,
    );
    if (page.rows.length === 0) return rows;
    const samples = await pool.query(
      `select h.* from unnest($1::uuid[]) p(id) cross join lateral (select * from ops.health_samples h where h.deployment_id = p.id and h.observed_at > now() - interval '5 minutes') h`,
      [page.rows.map((r) => r.deployment_id)],
    );
    rows += page.rows.length + samples.rows.length;
    const last = page.rows[page.rows.length - 1]!;
    after = [last.watch_ends_at, Number(last.id)];
  }
}

runBench(async () => {
  // Peak RSS is the process's high-water mark, and V8 keeps what it grew to: a dataset measured after another would
  // report the other's peak. Each dataset runs in a process of its own.
  if (DATASETS.length > 1) {
    for (const dataset of DATASETS) await runAlone(dataset);
    return;
  }
  const out: Record<string, unknown>[] = [];
  for (const dataset of DATASETS) {
    const r = await onDataset(dataset);
    out.push(r);
    console.log(JSON.stringify({ bench: 'monitor', ...r, targets: 'detection p99 < 250 ms; tick at 100k < 1.5 s with peak RSS < 300 MB, linear to 300k' }));
    console.table({ [`detection (${dataset})`]: r.detection });
    console.table(Object.fromEntries(Object.entries(r.tick as Record<string, unknown>).map(([k, v]) => [`tick ${k} (${dataset})`, v])));
    console.table({ [`1,000 watch endings (${dataset})`]: r.watch_endings });
  }
});

/** This bench again, on one dataset, in a child process; its output is this one's. */
async function runAlone(dataset: Dataset): Promise<void> {
  const runTs = fileURLToPath(new URL('../bin/run-ts.mjs', import.meta.url));
  const child = spawn(process.execPath, [...process.execArgv, runTs, ...process.argv.slice(1)], { env: { ...process.env, BENCH_DATASETS: dataset }, stdio: 'inherit' });
  const [code] = (await once(child, 'exit')) as [number | null];
  if (code !== 0) throw new Error(`the monitor bench on the ${dataset} dataset exited with ${code}`);
}

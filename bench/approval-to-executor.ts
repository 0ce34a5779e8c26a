// Approval → executor started: the time from the deciding approval until the worker calls the executor, through the
// real core, Postgres, BullMQ and Redis (the executor itself is a recorder, so its own runtime is not counted).
// Floor: a bare BullMQ add → processor start round trip on the same Redis, measured in the same run, back to back and
// with the worker idle (see floor()). Also counts the SQL statements between the two (BEGIN and COMMIT included). Runs
// on an empty database and on a generated year.
// Usage: node bin/run-ts.mjs bench/approval-to-executor.ts [iterations]
import { randomBytes } from 'node:crypto';
import { Queue, Worker } from 'bullmq';
import { parseConfig } from '../src/config/load.ts';
import { runMigrations } from '../src/db/migrate.ts';
import { completeDeployment, recordDeployment } from '../src/deployments/record-deployment.ts';
import { parseEnv } from '../src/main/env.ts';
import { createLogger } from '../src/logging/logger.ts';
import { createAppDeps } from '../src/main/deps.ts';
import type { Executor } from '../src/executors/types.ts';
import type { Role } from '../src/config/schema.ts';
import { decideRollback } from '../src/admission/decide-rollback.ts';
import { requestRollback } from '../src/admission/request-rollback.ts';
import { startRollbackWorker } from '../src/jobs/rollback-worker.ts';
import { createRedisConnection } from '../src/jobs/rollback-queue.ts';
import { getEvent, isFinal } from '../src/db/queries/rollback-events.ts';
import { countStatements, type SentStatement } from '../test/support/statement-counter.ts';
import { DATASETS, explainSent, pct, REDIS, round, runBench, withBenchDatabase, type Dataset } from './support.ts';

const ITERATIONS = Number(process.argv[2] ?? 200);


// Two floors. Back to back, the next job is added while the worker is finishing the last one, which fetches it on the
// way out. Idle, the worker has gone to wait for a job (blocked in BZPOPMIN, seen in Redis's CLIENT LIST) before each
// add, as it has between two approvals: waking it is a round trip more.
async function floor(prefix: string, idle: boolean): Promise<number[]> {
  const started = new Map<string, number>();
  const times: number[] = [];
  const queue = new Queue('floor', { connection: createRedisConnection(REDIS, 'producer'), prefix });
  const watcher = createRedisConnection(REDIS, 'producer');
  let resolveNext: (() => void) | undefined;
  const worker = new Worker('floor', async (job) => {
    times.push(performance.now() - started.get(job.id!)!);
    resolveNext?.();
  }, { connection: createRedisConnection(REDIS, 'worker'), prefix });
  await worker.waitUntilReady();
  const waiting = async () => {
    for (let tries = 0; tries < 1_000 && !/cmd=bzpopmin/.test(String(await watcher.client('LIST'))); tries++);
  };
  for (let i = 0; i < ITERATIONS; i++) {
    const id = `f-${i}`;
    const done = new Promise<void>((r) => (resolveNext = r));
    if (idle) await waiting();
    started.set(id, performance.now());
    await queue.add('x', { i }, { jobId: id });
    await done;
  }
  await worker.close();
  await queue.obliterate({ force: true });
  await queue.close();
  watcher.disconnect();
  return times;
}

async function onDataset(dataset: Dataset, url: string) {
  const prefix = `bench${randomBytes(3).toString('hex')}`;
  const envResult = parseEnv({ DATABASE_URL: url, REDIS_URL: REDIS, BACKSTOP_QUEUE_PREFIX: prefix });
  const configResult = parseConfig(`
environments: { staging: { approvals: { required: 2 } } }
defaults: { verification: { window: 0ms, interval: 10ms, on_no_data: pass } }
services: { payments: { environments: [staging], executor: { kind: command, argv: ["true"] } } }
`);
  if (!envResult.ok || !configResult.ok) throw new Error('bench setup is invalid');
  const logger = createLogger({ level: 'warn' });
  const base = createAppDeps({ env: envResult.env, config: configResult.config, logger, baseEnv: {} });
  let executorStarted: (() => void) | undefined;
  let statementsAtStart = 0;
  const recorder: Executor = {
    kind: 'recorder',
    resumable: true,
    async execute() {
      statementsAtStart = counter.statements.length;
      executorStarted?.();
      return { ok: true, summary: 'recorded' };
    },
  };
  // Marks on the same timeline as the statements: each notice, the enqueue, and the worker picking the job up.
  const marks: Array<{ at: number; what: string }> = [];
  const mark = (what: string) => marks.push({ at: performance.now(), what });
  const deps = {
    ...base,
    executorFor: () => recorder,
    notifier: { ...base.notifier, notify: async (n: Parameters<typeof base.notifier.notify>[0]) => (mark(`notice ${n.kind}`), base.notifier.notify(n)) },
    enqueue: async (eventId: string) => {
      mark('enqueue sent');
      const ok = await base.enqueue(eventId);
      mark('enqueue answered');
      return ok;
    },
  };
  const counter = countStatements(deps.pool);
  await runMigrations(deps.pool);
  const worker = startRollbackWorker(deps, deps.rollbackQueue, { redisUrl: REDIS, prefix, concurrency: 5, lockDurationMs: 30_000, stalledIntervalMs: 30_000, reconcileIntervalMs: 60_000 }, deps.abort);

  const actor = (id: string) => ({ id, roles: new Set<Role>(['approver', 'deployer']), source: 'api' as const });
  const ci = actor('ci');
  const deploy = async (version: string, good: boolean) => {
    const { deployment } = await recordDeployment(deps, ci, { service: 'payments', environment: 'staging', version, git_commit: 'abc1234' });
    await completeDeployment(deps, ci, deployment.deploymentId, { status: good ? 'success' : 'failed', health_check_passed: good });
    return deployment.deploymentId;
  };
  await deploy('v0', true);
  const watcher = createRedisConnection(REDIS, 'producer');
  let idleAtApproval = 0;
  const samples: number[] = [];
  const decideTimes: number[] = [];
  const statements: number[] = [];
  let lastStatements: string[] = [];
  let lastSent: SentStatement[] = [];
  for (let i = 0; i < ITERATIONS + 10; i++) {
    const bad = await deploy(`v${i + 1}`, false);
    const req = await requestRollback(deps, { deploymentId: bad, reason: 'bench', triggerType: 'manual', requester: actor('alice') });
    if (req.kind !== 'admitted') throw new Error(`request not admitted: ${req.kind}`);
    const started = new Promise<number>((r) => (executorStarted = () => r(performance.now())));
    // Whether the worker was waiting for a job when the approval came (which floor this is to be set against).
    if (/cmd=bzpopmin/.test(String(await watcher.client('LIST')))) idleAtApproval++;
    counter.reset();
    marks.length = 0;
    const t0 = performance.now();
    await decideRollback(deps, { eventId: req.event.eventId, actor: actor('bob'), decision: 'approve', reason: 'bench' });
    const tDecided = performance.now();
    const t1 = await started;
    // The first ten warm up connections and the JIT.
    if (i >= 10) {
      samples.push(t1 - t0);
      decideTimes.push(tDecided - t0);
      statements.push(statementsAtStart);
      // A timeline of the last one: when each statement left (after the approval began) and how long its answer took.
      const timeline = counter.sent.slice(0, statementsAtStart).map((st, n) => {
        const flat = counter.statements[n]!;
        const took = st.answeredAt === undefined ? '?' : (st.answeredAt - st.sentAt).toFixed(1);
        return { at: st.sentAt, what: `(${took} ms) ${flat.length > 110 ? `${flat.slice(0, 110)}…` : flat}` };
      });
      timeline.push(...marks.filter((m) => m.at <= t1), { at: t1, what: 'the executor starts' });
      lastStatements = timeline.sort((a, b) => a.at - b.at).map((m) => `+${(m.at - t0).toFixed(1)} ms ${m.what}`);
      lastSent = counter.sent.slice(0, statementsAtStart).map((st) => ({ ...st }));
    }
    for (;;) {
      const e = await getEvent(deps.db, req.event.eventId);
      if (e && isFinal(e.status)) break;
      await new Promise((r) => setTimeout(r, 2));
    }
  }
  await worker.close();
  watcher.disconnect();
  await deps.close();
  const floorTimes = await floor(`${prefix}f`, false);
  const idleFloorTimes = await floor(`${prefix}i`, true);
  // Where a statement's time goes: planning is paid on every execution of a statement that is not prepared. (Explained
  // after the fact, so a write finds its rollback already final; planning does not depend on that.)
  const plans = await explainSent(url, lastSent);

  return {
    dataset,
    iterations: ITERATIONS,
    p50_ms: round(pct(samples, 50)),
    p99_ms: round(pct(samples, 99)),
    floor_p50_ms: round(pct(floorTimes, 50)),
    floor_p99_ms: round(pct(floorTimes, 99)),
    p50_over_floor_ms: round(pct(samples, 50) - pct(floorTimes, 50)),
    p99_over_floor_ms: round(pct(samples, 99) - pct(floorTimes, 99)),
    worker_idle_at_approval: `${idleAtApproval} of ${ITERATIONS + 10}`,
    idle_floor_p50_ms: round(pct(idleFloorTimes, 50)),
    idle_floor_p99_ms: round(pct(idleFloorTimes, 99)),
    p50_over_idle_floor_ms: round(pct(samples, 50) - pct(idleFloorTimes, 50)),
    approval_recorded_and_enqueued_p50_ms: round(pct(decideTimes, 50)),
    approval_recorded_and_enqueued_p99_ms: round(pct(decideTimes, 99)),
    sql_statements: pct(statements, 50),
    statements_of_one_approval: lastStatements,
    planning_ms: round(plans.reduce((sum, p) => sum + p.planningMs, 0)),
    plans,
  };
}

runBench(async () => {
  for (const dataset of DATASETS) {
    const r = await withBenchDatabase((url) => onDataset(dataset, url), dataset);
    const { statements_of_one_approval: sent, plans, ...figures } = r;
    console.log(JSON.stringify({ bench: 'approval_to_executor_started', ...figures, target: 'p50 within 5 ms and p99 within 20 ms of the floor; at most 8 statements' }));
    console.table({
      [`approval → executor (${dataset})`]: { p50_ms: r.p50_ms, p99_ms: r.p99_ms, statements: r.sql_statements },
      '  of which: approval recorded + enqueued': { p50_ms: r.approval_recorded_and_enqueued_p50_ms, p99_ms: r.approval_recorded_and_enqueued_p99_ms },
      'floor: BullMQ add → process, back to back': { p50_ms: r.floor_p50_ms, p99_ms: r.floor_p99_ms },
      'floor: BullMQ add → process, worker idle': { p50_ms: r.idle_floor_p50_ms, p99_ms: r.idle_floor_p99_ms },
    });
    console.log(`the statements of one approval, in order:\n${sent.map((t) => `  ${t}`).join('\n')}`);
    console.log(`planning, paid on each (${r.planning_ms} ms in all), and execution as explained:`);
    console.table(Object.fromEntries(plans.map((p) => [p.label.slice(0, 70), { planning_ms: p.planningMs, execution_ms: p.ms }])));
  }
});

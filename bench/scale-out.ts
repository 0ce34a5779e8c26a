// Scale-out: 64 rollbacks of 64 services whose executor runs `sleep 2`, through 1, 2 and 4 `backstop worker`
// processes at their default concurrency. Time to all final, next to the floor: bare BullMQ worker processes of the
// same number and concurrency running the same command (bench/bare-worker.ts). Also how the work spread over the
// workers, how long each rollback waited for its executor, that none ran twice, and the CPU the workers, PostgreSQL and
// Redis spent per rollback. Each round's workers take a burst as they start and another after sitting idle for
// BENCH_IDLE_MS (35 s: past the pool's idle timeout). Runs on an empty database and on a generated year.
// Usage: node bin/run-ts.mjs bench/scale-out.ts [rollbacks]   (BENCH_WORKERS=4 runs one of the worker counts;
// BENCH_WORKER_NODE_ARGS="--cpu-prof --cpu-prof-dir=DIR" passes node flags to the workers, to see where their CPU goes)
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Queue } from 'bullmq';
import { sql } from 'drizzle-orm';
import { requestRollback } from '../src/admission/request-rollback.ts';
import { parseConfig } from '../src/config/load.ts';
import type { Role } from '../src/config/schema.ts';
import { runMigrations } from '../src/db/migrate.ts';
import { completeDeployment, recordDeployment } from '../src/deployments/record-deployment.ts';
import { createRedisConnection } from '../src/jobs/rollback-queue.ts';
import { createLogger } from '../src/logging/logger.ts';
import { createAppDeps } from '../src/main/deps.ts';
import { parseEnv } from '../src/main/env.ts';
import { DATASETS, pct, REDIS, round, runBench, withBenchDatabase, type Dataset } from './support.ts';

const ROLLBACKS = Number(process.argv[2] ?? 64);
const WORKERS = process.env.BENCH_WORKERS ? process.env.BENCH_WORKERS.split(',').map(Number) : [1, 2, 4];
const FINAL = `('succeeded', 'failed', 'rejected', 'expired', 'cancelled')`;
const defaults = parseEnv({});
if (!defaults.ok) throw new Error('the default environment does not parse');
const CONCURRENCY = defaults.env.BACKSTOP_WORKER_CONCURRENCY;

// Each round's workers take two bursts: the first as they start, the second after they sat idle past the pool's idle
// timeout (30 s), as a worker that has run for a while meets an incident. Each burst rolls back services of its own.
const IDLE_MS = Number(process.env.BENCH_IDLE_MS ?? 35_000);
const names = (from: number) => Array.from({ length: ROLLBACKS }, (_, i) => `scale${String(from + i).padStart(3, '0')}`);
const services = names(0);
const servicesAfterIdle = names(ROLLBACKS);
const POLICY = `defaults: { rules: [], verification: { window: 0ms, interval: 10ms, on_no_data: pass } }
environments: { staging: {} }
services:
${[...services, ...servicesAfterIdle].map((s) => `  ${s}: { environments: [staging], executor: { kind: command, argv: ["sleep", "2"] } }`).join('\n')}
`;

interface Round {
  seconds: number;
  perWorker: number[];
  /** From the moment the queue was let go until each executor started. */
  startP50: number;
  startP99: number;
  notSucceeded: number;
  ranTwice: number;
  /** CPU the worker processes spent (user + system) from the moment the queue was let go, per rollback. */
  cpuMsPerRollback: number;
  /** CPU PostgreSQL and Redis spent in the same span, per rollback. */
  serverCpuMsPerRollback: number;
  /** Job attempts that failed and were retried, and the first one's reason. */
  retries: number;
  firstRetry?: string;
}

const waitFor = async (what: string, ok: () => Promise<boolean> | boolean, timeoutMs: number) => {
  const deadline = Date.now() + timeoutMs;
  while (!(await ok())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
};

function spawnLogged(args: string[], env: NodeJS.ProcessEnv): ChildProcess & { output: () => string } {
  const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
  return Object.assign(child, { output: () => out });
}

async function stop(children: ChildProcess[]): Promise<void> {
  await Promise.all(children.map((c) => (c.exitCode !== null ? undefined : new Promise<void>((r) => (c.once('exit', () => r()), c.kill('SIGTERM'))))));
}

// utime + stime of a process, in ms (USER_HZ is 100 on Linux).
const cpuMs = (pid: number) => {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
};

// CPU the database and the queue's server spent (every postgres and redis-server process, by /proc), in ms: on a
// machine of two cores, the workers' CPU and theirs are what the rollbacks wait for once the executors can all start.
// A backend that exits in between loses its share: the pools keep theirs open until the workers stop.
function serverCpuMs(): number {
  let total = 0;
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const comm = /\((.*)\)/.exec(stat)?.[1] ?? '';
      if (comm === 'postgres' || comm.startsWith('redis-server')) total += cpuMs(Number(pid));
    } catch {
      // gone between the listing and the read
    }
  }
  return total;
}

const spread = (pids: Array<string | number>) => {
  const counts = new Map<string, number>();
  for (const p of pids) counts.set(String(p), (counts.get(String(p)) ?? 0) + 1);
  return [...counts.values()].sort((a, b) => b - a);
};

interface Bursts {
  fresh: Round;
  afterIdle: Round;
}

async function backstopRound(url: string, workers: number, generation: number, policyPath: string): Promise<Bursts> {
  const prefix = `scale${randomBytes(3).toString('hex')}`;
  const env = parseEnv({ DATABASE_URL: url, REDIS_URL: REDIS, BACKSTOP_QUEUE_PREFIX: prefix });
  const config = parseConfig(POLICY);
  if (!env.ok || !config.ok) throw new Error('bench setup is invalid');
  const deps = createAppDeps({ env: env.env, config: config.config, logger: createLogger({ level: 'warn' }), baseEnv: {} });
  const queue = await deps.rollbackQueue.queue();
  try {
    await runMigrations(deps.pool);
    // Held until every worker is up, so all of them start from the same moment.
    await queue.pause();
    const person = (id: string) => ({ id, roles: new Set<Role>(['approver', 'deployer']), source: 'api' as const });
    const admit = async (names: string[]) => {
      const events: string[] = [];
      for (const service of names) {
        const deploy = async (version: string, good: boolean) => {
          const { deployment } = await recordDeployment(deps, person('ci'), { service, environment: 'staging', version, git_commit: `c${generation}${good ? 'g' : 'b'}` });
          await completeDeployment(deps, person('ci'), deployment.deploymentId, { status: good ? 'success' : 'failed', health_check_passed: good });
          return deployment.deploymentId;
        };
        await deploy(`v${generation}.0`, true);
        const bad = await deploy(`v${generation}.1`, false);
        const out = await requestRollback(deps, { deploymentId: bad, reason: 'bench', triggerType: 'manual', requester: person('alice') });
        if (out.kind !== 'admitted' || !out.enqueued) throw new Error(`rollback of ${service} not admitted and enqueued: ${out.kind}`);
        events.push(out.event.eventId);
      }
      return events;
    };
    const firstEvents = await admit(services);

    const children = Array.from({ length: workers }, () =>
      spawnLogged([...(process.env.BENCH_WORKER_NODE_ARGS?.split(' ').filter(Boolean) ?? []), resolve('bin/backstop.mjs'), 'worker'], {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        DATABASE_URL: url,
        REDIS_URL: REDIS,
        BACKSTOP_CONFIG: policyPath,
        BACKSTOP_QUEUE_PREFIX: prefix,
        // Several workers on one host: each its own metrics port.
        BACKSTOP_METRICS_PORT: '0',
        LOG_LEVEL: 'info',
      }),
    );
    /** Lets the queue go and measures until every one of `events` is final; pauses the queue again. */
    const burst = async (events: string[]): Promise<Round> => {
      const cpuAtStart = children.map((c) => cpuMs(c.pid!));
      const serverAtStart = serverCpuMs();
      const t0 = Date.now();
      await queue.resume();
      const finalCount = async () =>
        Number((await deps.db.execute<{ n: string }>(sql`select count(*) as n from ops.rollback_events where event_id = any(${`{${events.join(',')}}`}::uuid[]) and status in ${sql.raw(FINAL)}`)).rows[0]!.n);
      await waitFor('every rollback to end', async () => (await finalCount()) === events.length, 10 * 60_000);
      const seconds = (Date.now() - t0) / 1000;
      const cpuSpent = children.reduce((sum, c, n) => sum + cpuMs(c.pid!) - cpuAtStart[n]!, 0);
      const serverSpent = serverCpuMs() - serverAtStart;
      await queue.pause();
      const { rows } = await deps.db.execute<{ status: string; claimed_by: string; claim_fence: number; execute_started: string | null; execute_attempt: number | null }>(sql`
        select status, claimed_by, claim_fence,
          (select s->>'started_at' from jsonb_array_elements(rollback_steps) s where s->>'step' = 'execute') as execute_started,
          (select (s->>'attempt')::int from jsonb_array_elements(rollback_steps) s where s->>'step' = 'execute') as execute_attempt
        from ops.rollback_events where event_id = any(${`{${events.join(',')}}`}::uuid[])`);
      const waits = rows.filter((r) => r.execute_started).map((r) => Date.parse(r.execute_started!) - t0);
      const failedAttempts = children.flatMap((c) => c.output().split('\n').filter((l) => l.includes('rollback job attempt failed')));
      const firstErr = failedAttempts[0] ? (JSON.parse(failedAttempts[0]) as { err?: { message?: string; cause?: { message?: string } } }).err : undefined;
      // A failed query's own message is the SQL; the reason is its cause.
      const firstRetry = firstErr ? (firstErr.cause?.message ?? firstErr.message)?.slice(0, 300) : undefined;
      return {
        cpuMsPerRollback: round(cpuSpent / events.length),
        serverCpuMsPerRollback: round(serverSpent / events.length),
        retries: failedAttempts.length,
        ...(firstRetry ? { firstRetry } : {}),
        seconds,
        // claimed_by is host:pid:id; the pid names the process.
        perWorker: spread(rows.map((r) => r.claimed_by.split(':')[1]!)),
        startP50: pct(waits, 50),
        startP99: pct(waits, 99),
        notSucceeded: rows.filter((r) => r.status !== 'succeeded').length,
        // A second claim whose execute step began again would mean a second execution.
        ranTwice: rows.filter((r) => (r.execute_attempt ?? 1) > 1).length,
      };
    };
    try {
      await waitFor('the workers to start', () => children.every((c) => c.output().includes('rollback worker started')), 60_000);
      const fresh = await burst(firstEvents);
      const secondEvents = await admit(servicesAfterIdle);
      await new Promise((r) => setTimeout(r, IDLE_MS));
      return { fresh, afterIdle: await burst(secondEvents) };
    } catch (err) {
      for (const c of children) console.error(c.output().slice(-2_000));
      throw err;
    } finally {
      await stop(children);
    }
  } finally {
    await queue.obliterate({ force: true }).catch(() => undefined);
    await deps.close();
  }
}

async function bareRound(workers: number): Promise<Round> {
  const prefix = `bare${randomBytes(3).toString('hex')}`;
  const queue = new Queue('bare', { connection: createRedisConnection(REDIS, 'producer'), prefix });
  await queue.pause();
  await queue.addBulk(services.map((s) => ({ name: 'x', data: { s } })));
  const children = Array.from({ length: workers }, () =>
    spawnLogged([resolve('bin/run-ts.mjs'), resolve('bench/bare-worker.ts'), REDIS, prefix, 'bare', String(CONCURRENCY)], process.env),
  );
  try {
    await waitFor('the bare workers to start', () => children.every((c) => c.output().includes('ready')), 60_000);
    const cpuAtStart = children.map((c) => cpuMs(c.pid!));
    const serverAtStart = serverCpuMs();
    const t0 = Date.now();
    await queue.resume();
    await waitFor('every job to complete', async () => (await queue.getJobCounts('completed')).completed === services.length, 10 * 60_000);
    const seconds = (Date.now() - t0) / 1000;
    const serverSpent = serverCpuMs() - serverAtStart;
    const done = (await queue.getCompleted(0, services.length)).map((j) => j.returnvalue as { pid: number; startedAt: number });
    const waits = done.map((d) => d.startedAt - t0);
    return { seconds, perWorker: spread(done.map((d) => d.pid)), startP50: pct(waits, 50), startP99: pct(waits, 99), notSucceeded: 0, ranTwice: 0, retries: 0, cpuMsPerRollback: round(children.reduce((sum, c, n) => sum + cpuMs(c.pid!) - cpuAtStart[n]!, 0) / services.length), serverCpuMsPerRollback: round(serverSpent / services.length) };
  } finally {
    await stop(children);
    await queue.obliterate({ force: true });
    await queue.close();
  }
}

runBench(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'backstop-scale-'));
  const policyPath = join(dir, 'backstop.yaml');
  writeFileSync(policyPath, POLICY);
  for (const dataset of DATASETS) {
    const table: Record<string, Record<string, unknown>> = {};
    await withBenchDatabase(async (url) => {
      for (const [i, workers] of WORKERS.entries()) {
        const bursts = await backstopRound(url, workers, i + 1, policyPath);
        const bare = await bareRound(workers);
        for (const [when, ours] of [['fresh', bursts.fresh], ['after_idle', bursts.afterIdle]] as const) {
          const ratio = round(ours.seconds / bare.seconds);
          console.log(
            JSON.stringify({
              bench: 'scale_out',
              dataset: dataset satisfies Dataset,
              burst: when,
              rollbacks: ROLLBACKS,
              workers,
              concurrency_per_worker: CONCURRENCY,
              all_final_s: round(ours.seconds),
              floor_s: round(bare.seconds),
              ratio,
              per_worker: ours.perWorker,
              floor_per_worker: bare.perWorker,
              executor_start_p50_ms: ours.startP50,
              executor_start_p99_ms: ours.startP99,
              floor_start_p50_ms: bare.startP50,
              floor_start_p99_ms: bare.startP99,
              not_succeeded: ours.notSucceeded,
              ran_twice: ours.ranTwice,
              worker_cpu_ms_per_rollback: ours.cpuMsPerRollback,
              floor_cpu_ms_per_job: bare.cpuMsPerRollback,
              server_cpu_ms_per_rollback: ours.serverCpuMsPerRollback,
              floor_server_cpu_ms_per_job: bare.serverCpuMsPerRollback,
              // All the CPU the burst took, spread over every core: below it no scheduling makes the burst shorter.
              cpu_bound_s: round(((ours.cpuMsPerRollback + ours.serverCpuMsPerRollback) * ROLLBACKS) / 1000 / availableParallelism()),
              retried_attempts: ours.retries,
              ...(ours.firstRetry ? { first_retry: ours.firstRetry } : {}),
              target: 'all final within 1.25× the floor; none ran twice',
            }),
          );
          table[`${workers} × ${CONCURRENCY}, ${when === 'fresh' ? 'fresh' : 'after idle'} (${dataset})`] = {
            all_final_s: round(ours.seconds),
            floor_s: round(bare.seconds),
            ratio,
            per_worker: ours.perWorker.join('/'),
            exec_start_p50_ms: ours.startP50,
            exec_start_p99_ms: ours.startP99,
            ran_twice: ours.ranTwice,
            cpu_ms_each: ours.cpuMsPerRollback,
            floor_cpu_ms_each: bare.cpuMsPerRollback,
            server_cpu_ms_each: ours.serverCpuMsPerRollback,
            floor_server_cpu_ms_each: bare.serverCpuMsPerRollback,
            retried: ours.retries,
          };
        }
      }
    }, dataset);
    console.table(table);
  }
});

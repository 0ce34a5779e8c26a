import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import type { AppDeps } from '../../../src/main/deps.ts';
import type { Executor } from '../../../src/executors/types.ts';
import type { Actor } from '../../../src/core/deps.ts';
import { TOKEN_ROLES_YAML, type Backstop } from '../harness.ts';
import { ENVIRONMENTS, EXPIRES_AFTER_MIN, type Crash, type Env, type Person, type PersonRole } from './rollback-model.ts';

// The real side of the rollback model test: one backstop (api role only, no worker, no monitor, no reconciler in the
// background), a fake clock the test moves, and per run a fresh service with v1 (good), v2 (good) and v3 (bad).

export const SERVICES_PER_ENV = 12;
const serviceName = (i: number) => `svc${String(i + 1).padStart(2, '0')}`;

/** Seed rules (none named), short verification, 10 minute approval windows, samples that never go stale mid-run. */
export function modelPolicy(executorArgv: string[]): string {
  const envs = Object.keys(ENVIRONMENTS).join(', ');
  const services = Array.from({ length: SERVICES_PER_ENV }, (_, i) =>
    `  ${serviceName(i)}:\n    environments: [${envs}]\n    executor: { kind: command, argv: ${JSON.stringify(executorArgv)}, timeout: 20s }`,
  ).join('\n');
  const environments = Object.entries(ENVIRONMENTS)
    .map(([name, a]) => `  ${name}: { approvals: { required: ${a.required}, requester_counts: ${a.requesterCounts} } }`)
    .join('\n');
  return `api:
  tokens:
${TOKEN_ROLES_YAML}
monitoring:
  # The fake clock runs ahead of the samples' real timestamps by up to hours over a file; they must stay the newest.
  stale_after: 720h
defaults:
  approvals: { expires_after: ${EXPIRES_AFTER_MIN}m }
  verification: { window: 100ms, interval: 50ms, on_no_data: pass }
environments:
${environments}
services:
${services}
`;
}

/** Real time plus an offset the test advances; the pipeline's sleeps advance it too, so verification takes no wall time. */
export class FakeClock {
  offset = 0;
  readonly now = (): Date => new Date(Date.now() + this.offset);
  advance(ms: number): void {
    this.offset += ms;
  }
}

export interface Stats {
  runs: number;
  steps: number;
  commands: Record<string, number>;
  finals: Record<string, number>;
  executed: number;
}

/** What lives for the whole file. */
export interface Shared {
  b: Backstop;
  clock: FakeClock;
  deps: AppDeps;
  effects: string;
  stats: Stats;
  nextService: Record<Env, number>;
}

/** One run: its deployments, the events it created (index-aligned with the model's), and plan version → plan hash. */
export interface World extends Shared {
  run: number;
  service: string;
  env: Env;
  ids: { v1: string; v2: string; v3: string };
  eventIds: string[];
  planHashes: Map<number, string>;
  migrations: number;
  lastSampleAt: number;
}

export function createShared(b: Backstop, effects: string): Shared {
  const clock = new FakeClock();
  const deps: AppDeps = {
    ...b.running.deps,
    clock: clock.now,
    sleep: async (ms) => {
      clock.advance(ms);
      await new Promise((r) => setImmediate(r));
    },
  };
  return { b, clock, deps, effects, stats: { runs: 0, steps: 0, commands: {}, finals: {}, executed: 0 }, nextService: { staging: 0, production: 0, strict: 0 } };
}

const ACTIVE = `('requested', 'awaiting_approval', 'approved', 'queued', 'running', 'verifying')`;

export async function startRun(shared: Shared, env: Env): Promise<World> {
  const run = ++shared.stats.runs;
  const service = serviceName(shared.nextService[env]++ % SERVICES_PER_ENV);
  const pool = shared.deps.pool;
  // A service is reused only while fast-check shrinks: the earlier run's leftovers end, and its deployments stop being
  // known-good, so this run's v1 and v2 are the only targets there are.
  await pool.query(`update ops.rollback_events set status = 'failed', status_reason = 'model test: left over by an earlier run', completed_at = now() where service = $1 and environment = $2 and status in ${ACTIVE}`, [service, env]);
  await pool.query(`update ops.deployments set health_check_passed = false where service = $1 and environment = $2`, [service, env]);
  const deploy = async (version: string, good: boolean) => {
    const made = await shared.b.api('POST', '/api/deployments', 'ci', { service, environment: env, version, git_commit: randomBytes(4).toString('hex') });
    if (made.status !== 201) throw new Error(`could not record ${version}: ${JSON.stringify(made.body)}`);
    const id = made.body.deployment_id as string;
    const done = await shared.b.api('POST', `/api/deployments/${id}/complete`, 'ci', { status: good ? 'success' : 'failed', health_check_passed: good });
    if (done.status !== 200) throw new Error(`could not complete ${version}: ${JSON.stringify(done.body)}`);
    return id;
  };
  const ids = { v1: await deploy(`r${run}.1`, true), v2: await deploy(`r${run}.2`, true), v3: await deploy(`r${run}.3`, false) };
  // The monitor's watch of v3 has ended (as finishWatches leaves an unhealthy one): pushed samples are judged by every
  // check but start no automatic rollback, so every event here comes from a command. Automation is outside this model.
  await pool.query(`update ops.deployments set watch_result = 'unhealthy' where deployment_id = $1`, [ids.v3]);
  return { ...shared, run, service, env, ids, eventIds: [], planHashes: new Map(), migrations: 0, lastSampleAt: 0 };
}

export const actor = (who: Person, roles: readonly PersonRole[]): Actor => ({ id: `user:${who}`, name: who, roles: new Set(roles), source: 'api' });

export class WorkerDied extends Error {
  constructor() {
    super('model test: the worker died here');
  }
}

/** The same deps, with an executor that dies the way a killed worker would: before the spawn, or after the program ran. */
export function crashingDeps(w: World, crash: Exclude<Crash, 'none'>): AppDeps {
  const base = w.deps;
  return {
    ...base,
    executorFor(policy) {
      const real = base.executorFor(policy);
      const dying: Executor = {
        kind: real.kind,
        resumable: real.resumable,
        async execute(req) {
          if (crash === 'before_spawn') throw new WorkerDied();
          await real.execute(req);
          throw new WorkerDied();
        },
      };
      return dying;
    },
  };
}

/** Side-effect lines (rollback.sh appends "<event_id> <target version>") per event id. */
export function sideEffects(file: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  if (!existsSync(file)) return out;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const [id, version] = line.trim().split(' ');
    if (!id) continue;
    out.set(id, [...(out.get(id) ?? []), version ?? '']);
  }
  return out;
}

export type Attempt<T> = { ok: true; value: T } | { ok: false; error: unknown };
export async function attempt<T>(fn: () => Promise<T>): Promise<Attempt<T>> {
  try {
    return { ok: true, value: await fn() };
  } catch (error) {
    return { ok: false, error };
  }
}
export const describeAttempt = (a: Attempt<unknown>) =>
  a.ok ? JSON.stringify(a.value, (k, v) => (k === 'event' ? `<event ${(v as { status?: string }).status}>` : v)).slice(0, 400) : `threw ${String((a.error as Error)?.message ?? a.error)}`;
export const errorCode = (a: Attempt<unknown>) => (a.ok ? null : ((a.error as { code?: string }).code ?? 'not an AppError'));

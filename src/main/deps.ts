import type { Config } from '../config/load.ts';
import { createDatabase, type Database } from '../db/client.ts';
import { createExecutor } from '../executors/create-executor.ts';
import { createRollbackQueue, type RollbackQueue } from '../jobs/rollback-queue.ts';
import { createLogNotifier, type Notifier } from '../notify/notifier.ts';
import { createExecutionLocks } from '../pipeline/execution-lock.ts';
import type { PipelineDeps } from '../pipeline/context.ts';
import type { Env } from './env.ts';
import type { Logger } from '../logging/logger.ts';
import { fetchWhenUsed } from '../core/fetch-when-used.ts';
import { createMonitorQueue, type MonitorQueue } from '../monitor/monitor-queue.ts';
import { createSourceReader } from '../monitor/read-sources.ts';
import { createBaselineReader } from '../health/baseline/read-baseline.ts';
import type { MonitorDeps } from '../monitor/types.ts';
import { createGithubGate } from '../freeze/github-gate-deps.ts';
import { AppError } from '../errors/app-error.ts';

export interface AppDeps extends PipelineDeps, MonitorDeps {
  env: Env;
  database: Database;
  rollbackQueue: RollbackQueue;
  monitorQueue: MonitorQueue;
  abort: AbortController;
  close(): Promise<void>;
}

// The one place that builds the deps object every role shares: db, queue, notifier, executors, clock.
export function createAppDeps(input: {
  env: Env;
  config: Config;
  logger: Logger;
  baseEnv: Record<string, string | undefined>;
  notifier?: Notifier;
  /** Database connections kept open while idle: a worker's concurrency (src/db/warm-pool.ts); none by default. */
  keepConnections?: number;
  /** The connections' application_name, as pg_stat_activity shows it (backstop-worker, backstop-api…). */
  applicationName?: string;
}): AppDeps {
  const { env, config, logger } = input;
  // Executing rollbacks hold their locks on one session of their own (createExecutionLocks), so the pool serves only
  // the statements of steps, the API, the gateway, card updates and the reconciler: it grows with the worker's
  // concurrency only gently, and four workers stay inside PostgreSQL's default 100 connections.
  const max = 10 + Math.ceil(env.BACKSTOP_WORKER_CONCURRENCY / 2);
  const database = createDatabase(env.DATABASE_URL, logger, { max, min: Math.min(max, input.keepConnections ?? 0), ...(input.applicationName ? { applicationName: input.applicationName } : {}) });
  const locks = createExecutionLocks(database.pool, logger);
  const clock = () => new Date();
  const rollbackQueue = createRollbackQueue({ redisUrl: env.REDIS_URL, prefix: env.BACKSTOP_QUEUE_PREFIX, logger });
  const monitorQueue = createMonitorQueue({ redisUrl: env.REDIS_URL, prefix: env.BACKSTOP_QUEUE_PREFIX });
  const abort = new AbortController();
  const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
  const github = createGithubGate(config, env.secret, { fetch: fetchWhenUsed, clock, sleep, logger: logger.child({ component: 'github-app' }) });
  if (!github.ok) throw new AppError('VALIDATION_FAILED', github.problem);
  const executorBase = {
    logger,
    secret: env.secret,
    baseEnv: { PATH: input.baseEnv.PATH, HOME: input.baseEnv.HOME, LANG: input.baseEnv.LANG },
  };
  return {
    env,
    config,
    logger,
    database,
    db: database.db,
    pool: database.pool,
    rollbackQueue,
    monitorQueue,
    enqueue: rollbackQueue.enqueue,
    readSources: createSourceReader({ fetch: fetchWhenUsed, clock }),
    readBaselines: createBaselineReader({ fetch: fetchWhenUsed }),
    scheduleVetoEnd: monitorQueue.scheduleVetoEnd,
    notifier: input.notifier ?? createLogNotifier(logger),
    clock,
    secret: env.secret,
    fetch: fetchWhenUsed,
    sleep,
    ...(github.gate ? { github: github.gate } : {}),
    signal: abort.signal,
    abort,
    executorFor: (policy) => createExecutor(policy.executor, executorBase),
    locks,
    async close() {
      abort.abort();
      await rollbackQueue.close();
      await monitorQueue.close();
      await locks.close();
      await database.close();
    },
  };
}

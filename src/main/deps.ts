import type { Config } from '../config/load.ts';
import { createDatabase, type Database } from '../db/client.ts';
import { createExecutor } from '../executors/create-executor.ts';
import { createRollbackQueue, type RollbackQueue } from '../jobs/rollback-queue.ts';
import { createLogNotifier, type Notifier } from '../notify/notifier.ts';
import type { PipelineDeps } from '../pipeline/context.ts';
import type { Env } from './env.ts';
import type { Logger } from '../logging/logger.ts';
import { createMonitorQueue, type MonitorQueue } from '../monitor/monitor-worker.ts';
import { createSourceReader } from '../monitor/read-sources.ts';
import type { MonitorDeps } from '../monitor/types.ts';

export interface AppDeps extends PipelineDeps, MonitorDeps {
  env: Env;
  database: Database;
  rollbackQueue: RollbackQueue;
  monitorQueue: MonitorQueue;
  abort: AbortController;
  close(): Promise<void>;
}

// The one place that builds the deps object every role shares: db, queue, notifier, executors, clock.
export function createAppDeps(input: { env: Env; config: Config; logger: Logger; baseEnv: Record<string, string | undefined>; notifier?: Notifier }): AppDeps {
  const { env, config, logger } = input;
  // Each rollback executing holds one connection for its advisory lock the whole time, so the pool grows with the
  // worker's concurrency; the rest serves the API, the gateway, card updates and the reconciler.
  const database = createDatabase(env.DATABASE_URL, logger, { max: env.BACKSTOP_WORKER_CONCURRENCY + 10 });
  const clock = () => new Date();
  const rollbackQueue = createRollbackQueue({ redisUrl: env.REDIS_URL, prefix: env.BACKSTOP_QUEUE_PREFIX, logger });
  const monitorQueue = createMonitorQueue({ redisUrl: env.REDIS_URL, prefix: env.BACKSTOP_QUEUE_PREFIX });
  const abort = new AbortController();
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
    readSources: createSourceReader({ fetch: globalThis.fetch, clock }),
    scheduleVetoEnd: monitorQueue.scheduleVetoEnd,
    notifier: input.notifier ?? createLogNotifier(logger),
    clock,
    secret: env.secret,
    fetch: globalThis.fetch,
    sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
    signal: abort.signal,
    abort,
    executorFor: (policy) => createExecutor(policy.executor, executorBase),
    async close() {
      abort.abort();
      await rollbackQueue.close();
      await monitorQueue.close();
      await database.close();
    },
  };
}

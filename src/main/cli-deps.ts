import type { CoreDeps } from '../core/deps.ts';
import type pg from 'pg';
import { createDatabase, type Db } from '../db/client.ts';
import type { RollbackQueue } from '../jobs/rollback-queue.ts';
import { createSourceReader } from '../monitor/read-sources.ts';
import { createBaselineReader } from '../health/baseline/read-baseline.ts';
import { createLogNotifier } from '../notify/notifier.ts';
import { fetchWhenUsed } from '../core/fetch-when-used.ts';
import type { Booted, BootedEnv } from './boot.ts';

export interface CliDeps extends CoreDeps {
  close(): Promise<void>;
}

/** What the commands that need no policy file have: the database and nothing else (no queue). */
export interface CliReader {
  db: Db;
  pool: pg.Pool;
  databaseUrl: string;
  /** The parsed environment, for a command whose options default to it (audit verify's checkpoint and key). */
  env: BootedEnv['env'];
  clock: () => Date;
  close(): Promise<void>;
}

// Two connections: a command runs a few statements in order, and --wait polls one row at a time.
const CLI_POOL_SIZE = 2;

export function createCliReader({ env, logger }: BootedEnv): CliReader {
  const database = createDatabase(env.DATABASE_URL, logger, { max: CLI_POOL_SIZE });
  return { db: database.db, pool: database.pool, databaseUrl: env.DATABASE_URL, env, clock: () => new Date(), close: () => database.close() };
}

/**
 * The deps of one CLI command: the same core as the roles use, with the queue (BullMQ and its Redis connection)
 * loaded only when the command enqueues, so reading a rollback waits on the database alone.
 */
export function createCliDeps({ env, config, logger }: Booted): CliDeps {
  const clock = () => new Date();
  const database = createDatabase(env.DATABASE_URL, logger, { max: CLI_POOL_SIZE });
  let queue: Promise<RollbackQueue> | undefined;
  const rollbackQueue = () =>
    (queue ??= import('../jobs/rollback-queue.ts').then((m) => m.createRollbackQueue({ redisUrl: env.REDIS_URL, prefix: env.BACKSTOP_QUEUE_PREFIX, logger })));
  return {
    db: database.db,
    config,
    logger,
    notifier: createLogNotifier(logger),
    enqueue: async (eventId) => (await rollbackQueue()).enqueue(eventId),
    clock,
    readSources: createSourceReader({ fetch: fetchWhenUsed, clock }),
    readBaselines: createBaselineReader({ fetch: fetchWhenUsed }),
    secret: env.secret,
    async close() {
      if (queue) await (await queue).close();
      await database.close();
    },
  };
}

import { drizzle, type NodePgDatabase } from 'drizzle-orm/node-postgres';
import pg from 'pg';
import type { Logger } from '../logging/logger.ts';
import * as schema from './schema/index.ts';

export type Db = NodePgDatabase<typeof schema>;
export type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];
/** Either the pool-backed database or an open transaction: queries accept both. */
export type Queryable = Db | Tx;

export interface Database {
  db: Db;
  pool: pg.Pool;
  close(): Promise<void>;
}

export function createDatabase(url: string, logger: Logger, options: { max?: number; min?: number; applicationName?: string } = {}): Database {
  const pool = new pg.Pool({
    connectionString: url,
    max: options.max ?? 10,
    // A down database must become a fast, clear error rather than a request that waits forever.
    connectionTimeoutMillis: 3_000,
    idleTimeoutMillis: 30_000,
    // Idle connections past `min` close after the timeout; `min` of them stay (see warmPool).
    min: options.min ?? 0,
    // What pg_stat_activity shows a DBA for each connection: which backstop role holds it.
    ...(options.applicationName ? { application_name: options.applicationName } : {}),
    // Postgres's own choice of plan (plan_cache_mode auto) is kept on purpose. Forcing generic plans applies to every
    // statement sent with parameters, named or not, and a generic plan is made without the values: the tick's
    // `watch_ends_at <= $now` was guessed to match a third of the fleet, planned as a scan of every deployment, and
    // compiled (JIT) for 0.8 s of each 100k tick. Named statements still skip planning once Postgres finds a generic
    // plan as good as a custom one, as it does for the vote's; the worker's claim, which it would re-plan every time on
    // a year of data, is planned once on the lock session alone (src/pipeline/execution-lock.ts).
  });
  // An idle client losing its connection would otherwise crash the process.
  pool.on('error', (err) => logger.warn({ err }, 'postgres idle client error'));
  // pg-pool listens for errors only while a client is idle. A client checked out for a transaction (or a lock) that
  // loses its connection, as every one does when PostgreSQL restarts, would emit an unhandled 'error' and kill the
  // process. With this listener the operation in progress fails instead, as DATABASE_UNAVAILABLE, and the broken
  // client is discarded on release.
  pool.on('connect', (client) => {
    client.on('error', (err) => logger.warn({ err }, 'postgres connection lost while in use'));
  });
  const db = drizzle(pool, { schema });
  return { db, pool, close: () => pool.end() };
}

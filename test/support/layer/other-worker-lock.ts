import { sql, type SQL } from 'drizzle-orm';
import { PgDialect } from 'drizzle-orm/pg-core';
import type pg from 'pg';
import { executionLockKey } from '../../../src/db/queries/rollback-transitions.ts';
import { AppError } from '../../../src/errors/app-error.ts';

// Another worker process, as the one under test sees it: a session of its own that holds a pair's execution lock
// (the same key the claiming statement takes) while `fn` runs.

const dialect = new PgDialect();
const run = async (client: pg.PoolClient, statement: SQL) => {
  const { sql: text, params } = dialect.sqlToQuery(statement);
  return (await client.query<{ locked?: boolean }>(text, params)).rows;
};

/** Runs `fn` while a separate session holds the execution lock of (service, environment); EXECUTION_LOCKED if taken. */
export async function asAnotherWorker<T>(pool: pg.Pool, service: string, environment: string, fn: () => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    const [row] = await run(client, sql`select pg_try_advisory_lock(${executionLockKey(service, environment)}) as locked`);
    if (!row?.locked) throw new AppError('EXECUTION_LOCKED', `another worker is still executing a rollback of ${service}/${environment}`, { retryable: true });
    try {
      return await fn();
    } finally {
      await run(client, sql`select pg_advisory_unlock(${executionLockKey(service, environment)})`);
    }
  } finally {
    client.release();
  }
}

import { sql, type SQL } from 'drizzle-orm';
import { PgDialect } from 'drizzle-orm/pg-core';
import type pg from 'pg';
import { executionLockKey } from '../db/queries/rollback-transitions.ts';
import { AppError } from '../errors/app-error.ts';

const dialect = new PgDialect();

/**
 * Runs a drizzle statement on one pinned connection (the one that holds, or is about to hold, the session lock).
 * `name` makes it a prepared statement of that connection: planned once per connection, not on every call.
 */
async function run<R extends pg.QueryResultRow>(client: pg.PoolClient, statement: SQL, name?: string): Promise<R[]> {
  const { sql: text, params } = dialect.sqlToQuery(statement);
  return (await client.query<R>({ text, values: params, ...(name ? { name } : {}) })).rows;
}

const lockedElsewhere = (service: string, environment: string) =>
  new AppError('EXECUTION_LOCKED', `another worker is still executing a rollback of ${service}/${environment}`, { retryable: true });

/**
 * A connection checked out for as long as a session advisory lock on (service, environment) may be held. If the
 * holder dies, Postgres drops its session and the lock with it, so a crash never leaves the pair locked.
 */
async function onPinnedConnection<T>(
  pool: pg.Pool,
  onLost: (err: Error) => void,
  body: (client: pg.PoolClient, discard: (err: Error) => void) => Promise<T>,
): Promise<T> {
  const client = await pool.connect();
  // The pool only listens for errors on idle clients. This one stays checked out for the whole execution, so a
  // database restart would otherwise surface as an unhandled 'error' event and kill the worker (found by
  // test/faults/postgres-restart.test.ts). The lock dies with the session; the running step carries on, fenced.
  let lost: Error | undefined;
  const onError = (err: Error) => {
    lost = err;
    onLost(err);
  };
  client.on('error', onError);
  try {
    return await body(client, (err) => (lost = err));
  } finally {
    client.off('error', onError);
    // A broken connection is destroyed rather than returned to the pool.
    client.release(lost);
  }
}

async function unlock(client: pg.PoolClient, service: string, environment: string): Promise<void> {
  await run(client, sql`select pg_advisory_unlock(${executionLockKey(service, environment)})`).catch(() => undefined);
}

/** Holds the execution lock of (service, environment) while `fn` runs; EXECUTION_LOCKED (retryable) if another holds it. */
export async function withExecutionLock<T>(
  pool: pg.Pool,
  service: string,
  environment: string,
  fn: () => Promise<T>,
  onLost: (err: Error) => void = () => undefined,
): Promise<T> {
  return onPinnedConnection(pool, onLost, async (client) => {
    const [row] = await run<{ locked: boolean }>(client, sql`select pg_try_advisory_lock(${executionLockKey(service, environment)}) as locked`);
    if (!row?.locked) throw lockedElsewhere(service, environment);
    try {
      return await fn();
    } finally {
      await unlock(client, service, environment);
    }
  });
}

/** What a statement that takes the lock and claims in one round trip found. */
export interface LockedClaimRow {
  /** Null: nothing was the worker's to lock (the rollback is final, or not yet approved). */
  locked: boolean | null;
  service: string | null;
  environment: string | null;
}

/**
 * The same lock, taken by `statement` together with the claim it guards (see lockedClaimQuery): one round trip instead
 * of a read, a lock and a claim. `fn` runs with the statement's row while the lock is held; `nothing` answers when
 * there was nothing to claim. A statement that throws after taking the lock leaves it to the discarded session.
 */
export async function withLockedClaim<T, R extends LockedClaimRow & pg.QueryResultRow>(
  pool: pg.Pool,
  statement: SQL,
  /** The statement's text never varies, only its parameters: prepared under this name on each connection. */
  name: string,
  fn: (row: R) => Promise<T>,
  nothing: () => T,
  onLost: (err: Error) => void = () => undefined,
): Promise<T> {
  return onPinnedConnection(pool, onLost, async (client, discard) => {
    let row: R | undefined;
    try {
      [row] = await run<R>(client, statement, name);
    } catch (err) {
      // The lock may have been taken before the statement failed: end the session rather than return it to the pool
      // holding a lock nobody will release.
      discard(err as Error);
      throw err;
    }
    if (!row || row.locked === null || !row.service || !row.environment) return nothing();
    if (!row.locked) throw lockedElsewhere(row.service, row.environment);
    try {
      return await fn(row);
    } finally {
      await unlock(client, row.service, row.environment);
    }
  });
}

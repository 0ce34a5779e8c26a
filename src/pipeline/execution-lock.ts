import { sql, type SQL } from 'drizzle-orm';
import { PgDialect } from 'drizzle-orm/pg-core';
import type pg from 'pg';
import { executionLockKey } from '../db/queries/rollback-transitions.ts';
import { AppError } from '../errors/app-error.ts';
import type { Logger } from '../logging/logger.ts';
import type { BuiltStatement } from '../db/prepared.ts';

const dialect = new PgDialect();

/**
 * Runs a statement on one pinned connection (the one that holds, or is about to hold, session locks). A built one (the
 * claim) runs under its name, a prepared statement of that connection: planned once per connection, not on every call.
 */
async function run<R extends pg.QueryResultRow>(client: pg.PoolClient, statement: SQL | BuiltStatement): Promise<R[]> {
  if ('name' in statement) return (await client.query<R>({ text: statement.text, values: statement.values, name: statement.name })).rows;
  const { sql: text, params } = dialect.sqlToQuery(statement);
  return (await client.query<R>({ text, values: params })).rows;
}

const lockedElsewhere = (service: string, environment: string) =>
  new AppError('EXECUTION_LOCKED', `another worker is still executing a rollback of ${service}/${environment}`, { retryable: true });

/** What a statement that takes the lock and claims in one round trip found. */
export interface LockedClaimRow {
  /** Null: nothing was the worker's to lock (the rollback is final, or not yet approved). */
  locked: boolean | null;
  service: string | null;
  environment: string | null;
}

/**
 * The execution locks of one worker process, all held by one session of its own. A rollback used to pin a connection
 * for its whole execution, so 4 workers running 16 each needed 64 connections for locks alone plus their pools, and
 * ran out of PostgreSQL's 100 (bench/scale-out.ts). One session holds any number of advisory locks; the statements
 * that take them queue on it, and each takes a millisecond or two.
 *
 * Session locks are re-entrant, so the statement that takes one (lockedClaimQuery) first checks that this session
 * does not hold it already: a rollback re-delivered to the process still executing it must wait like any other.
 */
export interface ExecutionLocks {
  /**
   * Runs `statement` (which takes the lock and claims, see lockedClaimQuery) on the lock session; `fn` runs with its
   * row while the lock is held, and `nothing` answers when there was nothing to claim. Another holder is
   * EXECUTION_LOCKED (retryable).
   */
  withLockedClaim<T, R extends LockedClaimRow & pg.QueryResultRow>(statement: BuiltStatement, fn: (row: R) => Promise<T>, nothing: () => T, onLost?: (err: Error) => void): Promise<T>;
  close(): Promise<void>;
}

interface Session {
  client: pg.PoolClient;
  /** The statement last sent: the next waits for it (see onSession). */
  last: Promise<unknown>;
  lost: boolean;
  /** Told when the session dies: the executions holding a lock on it go on, fenced by their claims. */
  holders: Set<(err: Error) => void>;
}

export function createExecutionLocks(pool: pg.Pool, logger: Logger): ExecutionLocks {
  let current: Promise<Session> | null = null;

  const discard = (s: Session, err: Error) => {
    if (s.lost) return;
    s.lost = true;
    for (const told of s.holders) told(err);
    s.client.release(err);
  };
  const open = async (): Promise<Session> => {
    const client = await pool.connect();
    // The claim is planned once for the session, not on every rollback. Left to choose, Postgres re-planned it each
    // time on a year of data (its custom plans prune the samples' partitions, so they look cheaper than a generic
    // one): 5.8 ms of planning in a 4.8 ms claim. Only this session runs the claim, and it never goes back to the
    // pool (it is destroyed when lost or closed), so the setting stays here.
    try {
      await client.query('set plan_cache_mode = force_generic_plan');
    } catch (err) {
      client.release(err as Error);
      throw err;
    }
    const session: Session = { client, last: Promise.resolve(), lost: false, holders: new Set() };
    client.on('error', (err: Error) => {
      if (!session.lost) logger.warn({ err, holding: session.holders.size }, 'the execution lock session was lost; its locks went with it');
      discard(session, err);
    });
    return session;
  };
  const session = async (): Promise<Session> => {
    const s = await (current ??= open().catch((err: unknown) => {
      current = null;
      throw err;
    }));
    if (!s.lost) return s;
    current = null;
    return session();
  };

  // The executions of one process share the session, so their statements would meet on it: node-postgres queues a
  // statement sent while another runs, but warns that pg 9 will not. They take turns here instead.
  const onSession = <R extends pg.QueryResultRow>(s: Session, statement: SQL | BuiltStatement): Promise<R[]> => {
    const sent = s.last.then(() => run<R>(s.client, statement));
    s.last = sent.catch(() => undefined);
    return sent;
  };

  return {
    async withLockedClaim(statement, fn, nothing, onLost = () => undefined) {
      const s = await session();
      let row;
      try {
        [row] = await onSession(s, statement);
      } catch (err) {
        // The lock may have been taken before the statement failed: end the session rather than keep a lock that
        // nobody will release. The other executions' locks go with it; their claims still fence them.
        discard(s, err as Error);
        throw err;
      }
      if (!row || row.locked === null || !row.service || !row.environment) return nothing();
      if (!row.locked) throw lockedElsewhere(row.service, row.environment);
      const { service, environment } = row;
      s.holders.add(onLost);
      try {
        return await fn(row as never);
      } finally {
        s.holders.delete(onLost);
        // A lock that could not be released must not outlive its execution: end the session instead.
        if (!s.lost) await onSession(s, sql`select pg_advisory_unlock(${executionLockKey(service, environment)})`).catch((err: Error) => discard(s, err));
      }
    },
    async close() {
      const s = await current?.catch(() => null);
      current = null;
      if (s && !s.lost) {
        s.lost = true;
        // Destroyed, not returned to the pool: a session that held locks is never handed to anyone else.
        s.client.release(true);
      }
    },
  };
}

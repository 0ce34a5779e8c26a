import type pg from 'pg';
import { AppError } from '../errors/app-error.ts';

/**
 * Holds a session advisory lock on (service, environment) while a rollback executes. If the holder dies, Postgres
 * drops its session and the lock with it, so a crash never leaves the pair locked.
 */
export async function withExecutionLock<T>(
  pool: pg.Pool,
  service: string,
  environment: string,
  fn: () => Promise<T>,
  onLost: (err: Error) => void = () => undefined,
): Promise<T> {
  const client = await pool.connect();
  const key = `backstop:${service}/${environment}`;
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
    const res = await client.query<{ locked: boolean }>('select pg_try_advisory_lock(hashtextextended($1, 0)) as locked', [key]);
    if (!res.rows[0]?.locked) {
      throw new AppError('EXECUTION_LOCKED', `another worker is still executing a rollback of ${service}/${environment}`, { retryable: true });
    }
    try {
      return await fn();
    } finally {
      await client.query('select pg_advisory_unlock(hashtextextended($1, 0))', [key]).catch(() => undefined);
    }
  } finally {
    client.off('error', onError);
    // A broken connection is destroyed rather than returned to the pool.
    client.release(lost);
  }
}

import type pg from 'pg';
import { AppError } from '../errors/app-error.ts';

/**
 * Holds a session advisory lock on (service, environment) while a rollback executes. If the holder dies, Postgres
 * drops its session and the lock with it, so a crash never leaves the pair locked.
 */
export async function withExecutionLock<T>(pool: pg.Pool, service: string, environment: string, fn: () => Promise<T>): Promise<T> {
  const client = await pool.connect();
  const key = `backstop:${service}/${environment}`;
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
    client.release();
  }
}

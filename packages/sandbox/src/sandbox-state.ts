import pg from 'pg';
import { Redis } from 'ioredis';

/** The sandbox keeps its state apart from any real installation on the same servers, under these names. */
export const SANDBOX_DATABASE = 'backstop_sandbox';
export const SANDBOX_QUEUE_PREFIX = 'backstop-sandbox';

/**
 * A fresh, empty sandbox database on the server DATABASE_URL names (created through that server's `postgres`
 * database), so every demo starts from a clean channel and a replayable incident. Only the database named
 * backstop_sandbox is ever dropped; migrations then run at startup as for any role.
 */
export async function resetSandboxDatabase(databaseUrl: string): Promise<string> {
  const admin = new URL(databaseUrl);
  admin.pathname = '/postgres';
  const client = new pg.Client({ connectionString: admin.toString(), connectionTimeoutMillis: 5_000 });
  client.on('error', () => undefined); // a lost connection fails the query below instead of killing the process
  await client.connect();
  try {
    await client.query(`drop database if exists ${SANDBOX_DATABASE} with (force)`);
    await client.query(`create database ${SANDBOX_DATABASE}`);
  } finally {
    await client.end();
  }
  const sandbox = new URL(databaseUrl);
  sandbox.pathname = `/${SANDBOX_DATABASE}`;
  return sandbox.toString();
}

/** Deletes the previous demo's queues (jobs for rollbacks the fresh database no longer has). */
export async function resetSandboxQueues(redisUrl: string): Promise<number> {
  // One try, no reconnect loop: an unreachable Redis is the person's to start, and the error says so.
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1, lazyConnect: true, retryStrategy: () => null });
  let lastError: Error | undefined;
  redis.on('error', (err: Error) => void (lastError = err));
  await redis.connect().catch((err: Error) => {
    throw lastError ?? err;
  });
  let deleted = 0;
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${SANDBOX_QUEUE_PREFIX}:*`, 'COUNT', 500);
      cursor = next;
      if (keys.length > 0) deleted += await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
  return deleted;
}

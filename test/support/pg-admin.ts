import pg from 'pg';

// Test databases live on the same server as DATABASE_URL (default: the machine's local Postgres).
export const ADMIN_URL = process.env.TEST_DATABASE_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
// Overridable so two checkouts (or two people) can run the suite against one PostgreSQL at once.
export const TEMPLATE_DB = process.env.BACKSTOP_TEST_TEMPLATE ?? 'backstop_test_template';
export const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

export function urlFor(database: string): string {
  const url = new URL(ADMIN_URL);
  url.pathname = `/${database}`;
  return url.toString();
}

export async function withAdmin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: ADMIN_URL });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { withAdmin } from './pg-admin.ts';
import type { TestDatabase } from './test-db.ts';

// LOGIN users in backstop's group roles (drizzle/0009_least_privilege.sql), as an operator creates them. Roles are
// cluster-wide and test files run in parallel, so each file's names are its own; drop() removes them.

export interface DbLogins {
  /** A user in backstop_runtime: what api, worker and gateway connect as. */
  runtime: { name: string; url: string };
  /** A user in backstop_owner: what `backstop migrate` connects as (BACKSTOP_MIGRATION_URL). */
  owner: { name: string; url: string };
  drop(): Promise<void>;
}

const urlAs = (databaseUrl: string, user: string) => {
  const url = new URL(databaseUrl);
  url.username = user;
  return url.toString();
};

export async function createDbLogins(db: TestDatabase): Promise<DbLogins> {
  const suffix = randomBytes(4).toString('hex');
  const runtime = `backstop_lp_rt_${suffix}`;
  const owner = `backstop_lp_own_${suffix}`;
  await withAdmin(async (admin) => {
    await admin.query(`create role ${runtime} login in role backstop_runtime`);
    await admin.query(`create role ${owner} login in role backstop_owner`);
  });
  return {
    runtime: { name: runtime, url: urlAs(db.url, runtime) },
    owner: { name: owner, url: urlAs(db.url, owner) },
    // After the test database is dropped: a role that still has sessions or objects cannot be dropped.
    drop: () => withAdmin(async (admin) => void (await admin.query(`drop role if exists ${runtime}, ${owner}`))),
  };
}

/** A pool as one of those users; the forced drop of its database may reach a client still closing (57P01). */
export function poolAs(url: string, max = 2): pg.Pool {
  const pool = new pg.Pool({ connectionString: url, max });
  pool.on('error', () => undefined);
  pool.on('connect', (client) => client.on('error', () => undefined));
  return pool;
}

/** The SQLSTATE a statement fails with, or 'ok'. */
export async function sqlStateOf(pool: pg.Pool, text: string, values: unknown[] = []): Promise<string> {
  try {
    await pool.query(text, values);
    return 'ok';
  } catch (err) {
    return (err as { code?: string }).code ?? String(err);
  }
}

import { join } from 'node:path';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import { drizzle } from 'drizzle-orm/node-postgres';
import pg from 'pg';
import { PACKAGE } from '../core/package-root.ts';
import { isUniqueViolation, pgErrorOf } from '../errors/infra.ts';

export const MIGRATIONS_FOLDER = join(PACKAGE.root, 'drizzle');

// An arbitrary constant shared by every backstop process: the key of the migration advisory lock.
const MIGRATION_LOCK_KEY = 7_260_001;

export interface MigrationOutcome {
  /** The database this run created (only with `createDatabase`), or null when it existed. */
  createdDatabase: string | null;
  /** Migrations this run applied, and how many the database has now. */
  applied: number;
  total: number;
}

/**
 * Brings the database DATABASE_URL names up to this backstop's schema. drizzle's migrate() takes no lock
 * (drizzle-orm#874); processes that start together serialize on an advisory lock instead. Only `backstop migrate`
 * passes `createDatabase`: a role that starts against a misspelt database name must stop, not fill a new empty one.
 */
export async function runMigrations(pool: pg.Pool, options: { createDatabase?: boolean } = {}): Promise<MigrationOutcome> {
  const createdDatabase = options.createDatabase ? await createDatabaseIfMissing(pool) : null;
  const client = await pool.connect();
  try {
    await client.query('select pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    try {
      const before = await countApplied(client);
      await migrate(drizzle(client), { migrationsFolder: MIGRATIONS_FOLDER });
      const total = await countApplied(client);
      return { createdDatabase, applied: total - before, total };
    } finally {
      await client.query('select pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
    }
  } finally {
    client.release();
  }
}

async function countApplied(client: pg.PoolClient): Promise<number> {
  // drizzle keeps its journal in drizzle.__drizzle_migrations, which exists only after a first run.
  const { rows } = await client.query<{ exists: boolean }>(`select to_regclass('drizzle.__drizzle_migrations') is not null as exists`);
  if (!rows[0]?.exists) return 0;
  const counted = await client.query<{ n: number }>('select count(*)::int as n from drizzle.__drizzle_migrations');
  return counted.rows[0]?.n ?? 0;
}

/**
 * Creates the database the pool names when PostgreSQL says it does not exist (3D000), through the server's `postgres`
 * maintenance database with the same credentials. Another process creating it at the same moment is success.
 */
async function createDatabaseIfMissing(pool: pg.Pool): Promise<string | null> {
  const probe = await pool.connect().catch((err: unknown) => err);
  if (!(probe instanceof Error)) {
    (probe as pg.PoolClient).release();
    return null;
  }
  const connectionString = (pool.options as pg.PoolConfig).connectionString;
  if (pgErrorOf(probe)?.code !== '3D000' || !connectionString) throw probe;
  const url = new URL(connectionString);
  const name = decodeURIComponent(url.pathname.slice(1));
  url.pathname = '/postgres';
  const admin = new pg.Client({ connectionString: url.toString(), connectionTimeoutMillis: 5_000 });
  admin.on('error', () => undefined); // a lost connection fails the query below instead of killing the process
  await admin.connect();
  try {
    await admin.query(`create database ${quoteIdentifier(name)}`);
    return name;
  } catch (err) {
    // 42P04 duplicate_database; two CREATEs at the same instant can instead collide on pg_database's unique index.
    if (pgErrorOf(err)?.code === '42P04' || isUniqueViolation(err)) return null;
    throw err;
  } finally {
    await admin.end();
  }
}

/** A PostgreSQL identifier in double quotes: the name is taken exactly as written, whatever its characters or case. */
const quoteIdentifier = (name: string) => `"${name.replaceAll('"', '""')}"`;

import { join } from 'node:path';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import { drizzle } from 'drizzle-orm/node-postgres';
import type pg from 'pg';
import { PACKAGE } from '../core/package-root.ts';

export const MIGRATIONS_FOLDER = join(PACKAGE.root, 'drizzle');

// An arbitrary constant shared by every backstop process: the key of the migration advisory lock.
const MIGRATION_LOCK_KEY = 7_260_001;

// drizzle's migrate() takes no lock (drizzle-orm#874); processes that start together serialize here instead.
export async function runMigrations(pool: pg.Pool): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('select pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    try {
      await migrate(drizzle(client), { migrationsFolder: MIGRATIONS_FOLDER });
    } finally {
      await client.query('select pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
    }
  } finally {
    client.release();
  }
}

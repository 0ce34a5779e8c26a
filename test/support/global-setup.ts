import pg from 'pg';
import { runMigrations } from '../../src/db/migrate.ts';
import { TEMPLATE_DB, urlFor, withAdmin } from './pg-admin.ts';

// Builds one migrated template database; each test file clones it (CREATE DATABASE … TEMPLATE), which takes milliseconds.
export default async function setup(): Promise<void> {
  await withAdmin(async (admin) => {
    await admin.query(`drop database if exists ${TEMPLATE_DB} with (force)`);
    await admin.query(`create database ${TEMPLATE_DB}`);
  });
  const pool = new pg.Pool({ connectionString: urlFor(TEMPLATE_DB), max: 1 });
  try {
    await runMigrations(pool);
  } finally {
    await pool.end();
  }
}

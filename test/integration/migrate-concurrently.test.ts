import pg from 'pg';
import journal from '../../drizzle/meta/_journal.json' with { type: 'json' };
import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { runMigrations } from '../../src/db/migrate.ts';
import { urlFor, withAdmin } from '../support/pg-admin.ts';
import { getTableConfig, PgTable } from 'drizzle-orm/pg-core';
import { is } from 'drizzle-orm';
import * as schema from '../../src/db/schema/index.ts';

const opsTables = Object.values(schema as Record<string, unknown>)
  .filter((v): v is PgTable => is(v, PgTable))
  .map((t) => getTableConfig(t))
  .filter((c) => c.schema === 'ops')
  .map((c) => c.name)
  .sort();

// drizzle's migrate() takes no lock (drizzle-orm#874): processes starting together would race on CREATE SCHEMA.
describe('migrations at startup', () => {
  const name = `backstop_m_${randomBytes(4).toString('hex')}`;
  afterAll(() => withAdmin(async (a) => void (await a.query(`drop database if exists ${name} with (force)`))));

  it('apply once when five processes start at the same moment', async () => {
    await withAdmin((a) => a.query(`create database ${name}`));
    const pools = Array.from({ length: 5 }, () => {
      const pool = new pg.Pool({ connectionString: urlFor(name), max: 2 });
      // pool.end() resolves before every socket has closed; the forced drop in afterAll can then reach a closing
      // client, whose 57P01 error would otherwise be uncaught and fail the whole run (seen once in CI). pg-pool also
      // re-emits an idle client's error on the pool itself, which throws without a listener of its own (seen again).
      pool.on('connect', (client) => client.on('error', () => undefined));
      pool.on('error', () => undefined);
      return pool;
    });
    try {
      const results = await Promise.allSettled(pools.map((p) => runMigrations(p)));
      expect(results.map((r) => r.status)).toEqual(Array(5).fill('fulfilled'));
      const { rows } = await pools[0]!.query(`select count(*)::int as n from drizzle.__drizzle_migrations`);
      // Each migration recorded exactly once, however many processes raced to apply it.
      expect(rows[0].n).toBe(journal.entries.length);
      // Every table the schema declares in ops, and no other (partitions live in their own schema).
      const tables = await pools[0]!.query(`select table_name as name from information_schema.tables where table_schema = 'ops'`);
      expect(tables.rows.map((r: { name: string }) => r.name).sort()).toEqual(opsTables);
    } finally {
      await Promise.all(pools.map((p) => p.end()));
    }
  });
});

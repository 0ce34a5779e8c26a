import { randomBytes } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { drizzle } from 'drizzle-orm/node-postgres';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MIGRATIONS_FOLDER, runMigrations } from '../../src/db/migrate.ts';
import { urlFor, withAdmin } from '../support/pg-admin.ts';

// 0005 turns ops.health_samples into a table partitioned by day. A database that already holds samples in the old,
// unpartitioned table migrates and keeps every one of them, with its id.
describe('migration 0005: health samples partitioned by day', () => {
  const name = `backstop_r_${randomBytes(4).toString('hex')}`;
  let pool: pg.Pool;
  const DAY = 24 * 3_600_000;
  const now = Date.now();
  // A year back, a few days back (two on one day), now, and one just before a UTC midnight.
  const times = [now - 365 * DAY, now - 3 * DAY, now - 3 * DAY + 1, now, Date.UTC(2026, 0, 1) - 1].map((t) => new Date(t));

  beforeAll(async () => {
    await withAdmin((a) => a.query(`create database ${name}`));
    pool = new pg.Pool({ connectionString: urlFor(name), max: 2 });
    // The forced drop in afterAll can reach a client pool.end() is still closing: its 57P01 is expected there.
    pool.on('error', () => undefined);
    pool.on('connect', (client) => client.on('error', () => undefined));
    // The schema as it was before 0005: the same migrations folder, its journal cut after 0004.
    const before = mkdtempSync(join(tmpdir(), 'backstop-migrations-'));
    try {
      cpSync(MIGRATIONS_FOLDER, before, { recursive: true });
      const journal = JSON.parse(readFileSync(join(before, 'meta/_journal.json'), 'utf8')) as { entries: Array<{ idx: number }> };
      journal.entries = journal.entries.filter((e) => e.idx <= 4);
      writeFileSync(join(before, 'meta/_journal.json'), JSON.stringify(journal));
      await migrate(drizzle(pool), { migrationsFolder: before });
    } finally {
      rmSync(before, { recursive: true, force: true });
    }
  });
  afterAll(async () => {
    await pool?.end();
    await withAdmin(async (a) => void (await a.query(`drop database if exists ${name} with (force)`)));
  });

  it('keeps every existing row, its id, the sequence, the index and the foreign key', async () => {
    const { rows: [dep] } = await pool.query(`insert into ops.deployments (service, environment, version, git_commit) values ('payments', 'production', 'v1', 'abc1234') returning deployment_id`);
    for (const [i, at] of times.entries()) {
      await pool.query(`insert into ops.health_samples (deployment_id, source, observed_at, error_rate_per_minute, raw) values ($1, 'push', $2, $3, $4)`, [dep.deployment_id, at, i, { i }]);
    }
    const old = (await pool.query(`select * from ops.health_samples order by id`)).rows;
    const indexOf = async () => (await pool.query(`select indexdef from pg_indexes where schemaname = 'ops' and indexname = 'health_samples_deployment_time_idx'`)).rows[0]?.indexdef as string;
    const oldIndex = await indexOf();
    expect((await pool.query(`select relkind from pg_class where oid = 'ops.health_samples'::regclass`)).rows[0].relkind).toBe('r');

    await runMigrations(pool);

    expect((await pool.query(`select relkind from pg_class where oid = 'ops.health_samples'::regclass`)).rows[0].relkind).toBe('p');
    expect((await pool.query(`select * from ops.health_samples order by id`)).rows).toEqual(old);
    // Each row sits in the partition of its UTC day; the default partition is empty.
    const placed = await pool.query(`select id, observed_at, tableoid::regclass::text as part from ops.health_samples order by id`);
    for (const r of placed.rows) {
      const day = (r.observed_at as Date).toISOString().slice(0, 10).replaceAll('-', '');
      expect(r.part).toBe(`ops_partitions.health_samples_${day}`);
    }
    // Today and the next three days are there ahead of time; partitions stay out of the ops schema.
    const parts = (await pool.query(`select c.oid::regclass::text as name from pg_inherits i join pg_class c on c.oid = i.inhrelid where i.inhparent = 'ops.health_samples'::regclass`)).rows.map((r) => r.name as string);
    for (let d = 0; d <= 3; d++) expect(parts).toContain(`ops_partitions.health_samples_${new Date(now + d * DAY).toISOString().slice(0, 10).replaceAll('-', '')}`);
    expect(parts).toContain('ops_partitions.health_samples_default');
    expect((await pool.query(`select count(*)::int as n from ops_partitions.health_samples_default`)).rows[0].n).toBe(0);
    expect((await pool.query(`select count(*)::int as n from pg_tables where schemaname = 'ops' and tablename like 'health_samples%'`)).rows[0].n).toBe(1);

    // The sequence goes on where it was; an insert without a partition of its own lands in the default one.
    const next = await pool.query(`insert into ops.health_samples (deployment_id, source, observed_at) values ($1, 'push', '2001-01-01T00:00:00Z') returning id, tableoid::regclass::text as part`, [dep.deployment_id]);
    expect(Number(next.rows[0].id)).toBe(Number(old.at(-1).id) + 1);
    expect(next.rows[0].part).toBe('ops_partitions.health_samples_default');
    // 0008 pointed the pair at its newest stored sample, and the 2001 straggler just inserted did not move it back.
    const newest = old.reduce((a, b) => (a.observed_at > b.observed_at ? a : b));
    expect((await pool.query(`select service, environment, sample_id, observed_at from ops.latest_samples`)).rows).toEqual([
      { service: 'payments', environment: 'production', sample_id: newest.id, observed_at: newest.observed_at },
    ]);
    const fk = await pool.query(`insert into ops.health_samples (deployment_id, source) values (gen_random_uuid(), 'push')`).catch((err: { code?: string; constraint?: string }) => err);
    expect(fk).toMatchObject({ code: '23503', constraint: 'health_samples_deployment_id_deployments_deployment_id_fk' });
    const keys = await pool.query(`select conname, pg_get_constraintdef(oid) as def from pg_constraint where conrelid = 'ops.health_samples'::regclass order by conname`);
    expect(keys.rows).toEqual([
      { conname: 'health_samples_deployment_id_deployments_deployment_id_fk', def: 'FOREIGN KEY (deployment_id) REFERENCES ops.deployments(deployment_id)' },
      { conname: 'health_samples_id_observed_at_pk', def: 'PRIMARY KEY (id, observed_at)' },
    ]);
    expect(await indexOf()).toBe(oldIndex.replace(' ON ops.', ' ON ONLY ops.'));
  });
});

import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { drizzle } from 'drizzle-orm/node-postgres';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendAudit } from '../../src/audit/append-audit.ts';
import { countPending, migrateAtStartup } from '../../src/db/migrate.ts';
import * as schema from '../../src/db/schema/index.ts';
import { cli, withoutStaleBuildNote } from '../support/cli-process.ts';
import { createDbLogins, poolAs, sqlStateOf, type DbLogins } from '../support/db-roles.ts';
import { startBackstop, testPolicy, waitFor } from '../support/harness.ts';
import { REDIS_URL, withAdmin } from '../support/pg-admin.ts';
import { createTestDatabase, type TestDatabase } from '../support/test-db.ts';

// Startup and the owner's commands when DATABASE_URL names a user in backstop_runtime (drizzle/0009_least_privilege.sql):
// nothing pending means no migration attempt at all; something pending stops with what to run; BACKSTOP_MIGRATION_URL
// (a user in backstop_owner) migrates and archives. The CLI runs the bundle (`npm run build` first).

// src/db/migrate.ts's advisory lock key: held by this test, it would stall any process that tried to migrate.
const MIGRATION_LOCK_KEY = 7_260_001;

let tdb: TestDatabase;
let logins: DbLogins;
let runtime: pg.Pool;

beforeAll(async () => {
  tdb = await createTestDatabase();
  logins = await createDbLogins(tdb);
  runtime = poolAs(logins.runtime.url);
});
afterAll(async () => {
  await runtime?.end();
  await tdb?.drop();
  await logins?.drop();
});

const cliEnv = (extra: Record<string, string> = {}) => ({
  PATH: process.env.PATH ?? '/usr/bin:/bin',
  HOME: process.env.HOME ?? '/tmp',
  DATABASE_URL: logins.runtime.url,
  REDIS_URL,
  LOG_LEVEL: 'error',
  ...extra,
});

/** Forgets the newest applied migration, so it is pending again (0009 runs again harmlessly: it is idempotent). */
async function forgetNewestMigration(): Promise<void> {
  const admin = poolAs(tdb.url, 1);
  try {
    await admin.query(`delete from drizzle.__drizzle_migrations where id = (select max(id) from drizzle.__drizzle_migrations)`);
  } finally {
    await admin.end();
  }
}

describe('startup as the runtime role', () => {
  it('with nothing pending, starts without trying to migrate (it never waits on the migration lock)', async () => {
    expect(await countPending(runtime)).toBe(0);
    const holder = poolAs(tdb.url, 2);
    const locked = await holder.connect();
    let started = false;
    try {
      await locked.query('select pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
      const starting = startBackstop({ db: { ...tdb, url: logins.runtime.url }, policy: testPolicy({ executorArgv: ['true'] }), roles: { worker: false } });
      starting.then(() => (started = true)).catch(() => (started = true));
      // A start that tries to migrate queues behind the held lock: seen in pg_locks, it fails the test at once.
      const waitsOnLock = async () =>
        (await holder.query(`select count(*)::int as n from pg_locks where locktype = 'advisory' and objid = $1 and not granted`, [MIGRATION_LOCK_KEY])).rows[0].n > 0;
      const outcome = await waitFor('startup to finish or to wait on the migration lock', async () => (started ? 'started' : (await waitsOnLock()) ? 'waits' : null));
      expect(outcome).toBe('started');
      const b = await starting;
      try {
        // Its Redis connection may still be joining; PostgreSQL answers as the runtime user.
        const health = await waitFor('/health to answer 200', async () => {
          const res = await b.api('GET', '/health', null);
          return res.status === 200 ? res.body : null;
        });
        expect(health).toMatchObject({ database: { ok: true } });
      } finally {
        await b.close();
      }
    } finally {
      await locked.query('select pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
      locked.release();
      await holder.end();
    }
  });

  it('with a migration pending, stops with one sentence that says what to run, and applies nothing', async () => {
    await forgetNewestMigration();
    expect(await countPending(runtime)).toBe(1);
    const sentence = `1 migration is pending and ${logins.runtime.name} cannot apply it: run \`backstop migrate\` with BACKSTOP_MIGRATION_URL set to a user in backstop_owner (or set BACKSTOP_MIGRATION_URL for this process too)`;
    await expect(migrateAtStartup(runtime)).rejects.toThrow(sentence);
    expect(await countPending(runtime)).toBe(1);

    // The same from the bin, as one line on stderr and exit code 1.
    const started = await cli(cliEnv({ BACKSTOP_CONFIG: 'examples/backstop.example.yaml', PORT: '0', HOST: '127.0.0.1' }), 'api');
    expect(withoutStaleBuildNote(started.stderr).trim()).toBe(`error (FORBIDDEN): ${sentence}`);
    expect(started.code).toBe(1);
  });

  it('with BACKSTOP_MIGRATION_URL naming a user in backstop_owner, applies what is pending as backstop_owner', async () => {
    // A cloned database has lost the owner's database-level CREATE (drizzle's bookkeeping needs it); only the
    // database's owner may grant it again, and the owner's login is told so.
    await expect(migrateAtStartup(runtime, { migrationUrl: logins.owner.url })).rejects.toThrow(/as its owner run GRANT CREATE ON DATABASE "backstop_t_\w+" TO backstop_owner/);
    await withAdmin((admin) => admin.query(`grant create on database ${tdb.name} to backstop_owner`));
    await migrateAtStartup(runtime, { migrationUrl: logins.owner.url });
    expect(await countPending(runtime)).toBe(0);

    // A later migration's table (created as backstop_owner, as migrate does) gets the runtime's ordinary grants.
    const owner = poolAs(logins.owner.url, 1);
    try {
      await owner.query('set role backstop_owner; create table ops.lp_later (id int); reset role');
    } finally {
      await owner.end();
    }
    expect(await sqlStateOf(runtime, 'insert into ops.lp_later values (1)')).toBe('ok');
    expect(await sqlStateOf(runtime, 'truncate ops.lp_later')).toBe('42501');
    await withAdmin((admin) => admin.query(`drop table if exists ops.lp_later`).catch(() => undefined));
  });
});

describe("the owner's commands", () => {
  it('`backstop migrate` migrates through BACKSTOP_MIGRATION_URL', async () => {
    await forgetNewestMigration();
    const res = await cli(cliEnv({ BACKSTOP_MIGRATION_URL: logins.owner.url }), 'migrate');
    expect(res.stdout.trim(), res.stderr).toMatch(/^applied 1 migration to "backstop_t_\w+"; it is up to date/);
    expect(await countPending(runtime)).toBe(0);
  });

  it('`backstop audit archive` as the runtime role says it is the owner\'s job and writes nothing; with the owner\'s URL it archives', async () => {
    await appendAudit(drizzle(runtime, { schema }), { actor: 'alice', source: 'api', action: 'probe.archive', result: 'ok' });
    const out = join(mkdtempSync(join(tmpdir(), 'backstop-lp-archive-')), 'audit.jsonl');
    const tomorrow = new Date(Date.now() + 24 * 3_600_000).toISOString().slice(0, 10);
    const refused = await cli(cliEnv(), 'audit', 'archive', '--before', tomorrow, '--out', out);
    expect(withoutStaleBuildNote(refused.stderr).trim()).toBe(
      `error (FORBIDDEN): ${logins.runtime.name} may not delete rows from ops.audit_log: archiving is the owner's job, so run \`backstop audit archive\` with BACKSTOP_MIGRATION_URL set to a user in backstop_owner`,
    );
    expect(refused.code).toBe(1);
    expect(existsSync(out) || existsSync(`${out}.partial`)).toBe(false);

    const archived = await cli(cliEnv({ BACKSTOP_MIGRATION_URL: logins.owner.url }), 'audit', 'archive', '--before', tomorrow, '--out', out);
    expect(archived.stdout, archived.stderr).toMatch(/^archived \d+ rows/);
    expect(archived.code).toBe(0);
  });
});

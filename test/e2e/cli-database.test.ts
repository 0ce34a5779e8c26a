import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, withoutStaleBuildNote } from '../support/cli-process.ts';
import { REDIS_URL, urlFor, withAdmin } from '../support/pg-admin.ts';
import { freePort } from '../support/processes.ts';
import { createTestDatabase, type TestDatabase } from '../support/test-db.ts';

// What a newcomer meets before anything works: a PostgreSQL that is down, a database that does not exist yet, one
// without backstop's tables. Each answer is one line that names the server and says what to do, never a stack trace,
// and `backstop migrate` makes a fresh server ready. Neither migrate nor audit asks for a policy file.

const NO_POLICY = resolve('no-such-policy-file.yaml');
const baseEnv = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', REDIS_URL, LOG_LEVEL: 'warn', BACKSTOP_CONFIG: NO_POLICY };
const NO_STACK = /\n\s+at /;

describe('the CLI and its database', () => {
  // Mixed case and a hyphen: CREATE DATABASE must quote the name, or PostgreSQL folds or refuses it.
  const fresh = `backstop_cli-New_${randomBytes(4).toString('hex')}`;
  const raced = `backstop_cli_race_${randomBytes(4).toString('hex')}`;
  const empty = `backstop_cli_empty_${randomBytes(4).toString('hex')}`;
  let migrated: TestDatabase;

  beforeAll(async () => {
    migrated = await createTestDatabase();
    await withAdmin((admin) => admin.query(`create database ${empty}`));
  });
  afterAll(async () => {
    await withAdmin(async (admin) => {
      for (const name of [fresh, raced, empty]) await admin.query(`drop database if exists "${name}" with (force)`);
    });
    await migrated?.drop();
  });

  it('says PostgreSQL is unreachable, where, with the password masked (the roles too)', async () => {
    const port = await freePort();
    const env = { ...baseEnv, DATABASE_URL: `postgres://postgres:hunter2@127.0.0.1:${port}/backstop` };
    const expected = `cannot reach PostgreSQL at 127.0.0.1:${port} (ECONNREFUSED): is it running? DATABASE_URL=postgres://postgres:***@127.0.0.1:${port}/backstop\n`;
    const history = await cli(env, 'rollback', 'history');
    expect(history.code).toBe(1);
    expect(withoutStaleBuildNote(history.stderr)).toBe(expected);
    const start = await cli({ ...env, BACKSTOP_CONFIG: resolve('examples/backstop.example.yaml'), PORT: '0', HOST: '127.0.0.1', BACKSTOP_QUEUE_PREFIX: `clidb${randomBytes(3).toString('hex')}` }, 'start');
    expect(start.code).toBe(1);
    expect(withoutStaleBuildNote(start.stderr)).toBe(expected);
  }, 60_000);

  it('says a database has no backstop tables and to run backstop migrate, instead of the failed SQL', async () => {
    const r = await cli({ ...baseEnv, DATABASE_URL: urlFor(empty) }, 'rollback', 'history');
    expect(r.code).toBe(1);
    expect(withoutStaleBuildNote(r.stderr)).toMatch(new RegExp(`^the database "${empty}" on 127\\.0\\.0\\.1:5432 has no backstop tables: run \`backstop migrate\` \\(DATABASE_URL=postgres://postgres@127\\.0\\.0\\.1:5432/${empty}; 42P01: relation "ops\\.rollback_events" does not exist\\)\\n$`));
    expect(r.stderr).not.toMatch(/Failed query|select "id"/);
    expect(r.stderr).not.toMatch(NO_STACK);
  });

  it('migrate creates a database that does not exist, then applies the migrations; a second run has nothing to do', async () => {
    const env = { ...baseEnv, DATABASE_URL: urlFor(fresh) };
    const before = await cli(env, 'rollback', 'status', '00000000-0000-4000-8000-000000000000');
    expect(withoutStaleBuildNote(before.stderr)).toBe(`the database "${fresh}" does not exist on 127.0.0.1:5432: \`backstop migrate\` creates it and its tables (DATABASE_URL=${urlFor(fresh)})\n`);

    const first = await cli(env, 'migrate');
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toMatch(new RegExp(`^created database "${fresh}" on 127\\.0\\.0\\.1:5432\\napplied (\\d+) migrations to "${fresh}"; it is up to date \\(\\1 in all\\)\\n$`));
    const again = await cli(env, 'migrate', '--json');
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout)).toEqual({ database: fresh, created: false, applied: 0, total: Number(/applied (\d+)/.exec(first.stdout)![1]) });
    expect((await cli(env, 'rollback', 'history')).stdout).toBe('no rollbacks\n');
  }, 60_000);

  it('migrate run by several processes at once creates the database once and fails none of them', async () => {
    const env = { ...baseEnv, DATABASE_URL: urlFor(raced) };
    const runs = await Promise.all([1, 2, 3].map(() => cli(env, 'migrate', '--json')));
    expect(runs.map((r) => r.code), runs.map((r) => r.stderr).join('\n')).toEqual([0, 0, 0]);
    expect(runs.filter((r) => JSON.parse(r.stdout).created)).toHaveLength(1);
  }, 60_000);

  it('audit verify and archive need no policy file', async () => {
    const env = { ...baseEnv, DATABASE_URL: migrated.url };
    const verify = await cli(env, 'audit', 'verify');
    expect(verify.code, verify.stderr).toBe(0);
    expect(verify.stdout).toMatch(/^audit chain intact: 0 rows in 16 chains; heads [0-9a-f]{16}…\n  no checkpoint checked: a log truncated or replaced together with its chain heads would look intact \(set BACKSTOP_AUDIT_CHECKPOINT_FILE or pass --checkpoint\)\n$/);
    expect(JSON.parse((await cli(env, 'audit', 'verify', '--json')).stdout)).toMatchObject({ ok: true, rows: 0, chains: 16 });
    const archive = await cli(env, 'audit', 'archive', '--before', '2000-01-01', '--out', join(mkdtempSync(join(tmpdir(), 'backstop-cli-')), 'a.jsonl'), '--json');
    expect(archive.code, archive.stderr).toBe(0);
    expect(JSON.parse(archive.stdout)).toEqual({ archived: 0, before: '2000-01-01T00:00:00.000Z' });
    // The rollback verbs act under the policy, so they still ask for it.
    const request = await cli(env, 'rollback', 'request', '00000000-0000-4000-8000-000000000000', '-r', 'x');
    expect(request.code).toBe(2);
    expect(request.stderr).toContain(`${NO_POLICY} is invalid:`);
  });
});

import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendAuditBatch, auditChainOf, type AuditEntry } from '../../src/audit/append-audit.ts';
import { archiveAudit, type ArchiveOptions } from '../../src/audit/archive-audit.ts';
import { verifyAuditChain } from '../../src/audit/verify-audit.ts';
import { createDatabase, type Database } from '../../src/db/client.ts';
import { AppError } from '../../src/errors/app-error.ts';
import { createLogger } from '../../src/logging/logger.ts';
import { cli } from '../support/cli-process.ts';
import { layerPolicy } from '../support/layer/world.ts';
import { exited } from '../support/processes.ts';
import { createTestDatabase, type TestDatabase } from '../support/test-db.ts';

// Archiving moves the oldest rows to a JSON-lines file, records the boundary (each chain's head there) and the file's
// sha256, and deletes the rows in one transaction. Verify then starts each chain at the boundary, and with --archive
// checks the files too. The CLI runs as a user runs it: bin/backstop.mjs in a child process.

const CLI = resolve('bin/backstop.mjs');
const logger = createLogger({ level: 'silent', name: 'audit-archive-test' });
const T0 = Date.UTC(2030, 0, 1);
const minute = (m: number) => new Date(T0 + m * 60_000);
const SUBJECTS = ['rb-a', 'rb-b', 'rb-c', 'dep-d', 'dep-e', null];

/** Rows at minutes from..to-1 after T0, round-robin over six subjects (one of them none). */
const rowsAt = (from: number, to: number): AuditEntry[] =>
  Array.from({ length: to - from }, (_, k) => ({ actor: 'test', source: 'api', action: 'test.append', subject: SUBJECTS[(from + k) % SUBJECTS.length], result: 'ok', details: { m: from + k }, at: minute(from + k) }));

describe('audit archive', () => {
  let tdb: TestDatabase;
  let database: Database;
  let dir: string;
  let env: Record<string, string>;
  const q = async (text: string, values?: unknown[]) => (await database.pool.query(text, values)).rows;
  const archive = (opts: Partial<ArchiveOptions> & Pick<ArchiveOptions, 'before' | 'out'>) => archiveAudit(database.db, { actor: { actor: 'test', source: 'cli' }, batchSize: 7, ...opts });
  const fresh = async () => {
    await q(`delete from ops.audit_archives; delete from ops.audit_log; update ops.audit_chain_heads set last_id = 0, last_hash = repeat('0', 64), row_count = 0`);
  };

  beforeAll(async () => {
    tdb = await createTestDatabase();
    database = createDatabase(tdb.url, logger, { max: 4 });
    dir = mkdtempSync(join(tmpdir(), 'backstop-audit-'));
    writeFileSync(join(dir, 'backstop.yaml'), layerPolicy());
    env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', DATABASE_URL: tdb.url, BACKSTOP_CONFIG: join(dir, 'backstop.yaml'), LOG_LEVEL: 'warn' };
  });
  afterAll(async () => {
    await database?.close();
    await tdb?.drop();
  });

  it('moves the oldest rows to a file, and verify goes on from the boundary, with and without the files', async () => {
    await fresh();
    await appendAuditBatch(database.db, rowsAt(0, 60));
    const first = await archive({ before: minute(25), out: join(dir, 'first.jsonl') });
    expect(first).toMatchObject({ kind: 'archived', rows: 25 });
    const [{ lowest }] = await q(`select min(id)::int as lowest from ops.audit_log where action = 'test.append'`);
    expect(lowest).toBe((first as { throughId: number }).throughId + 1);
    const lines = readFileSync(join(dir, 'first.jsonl'), 'utf8').trimEnd().split('\n');
    expect(lines).toHaveLength(26);
    expect(JSON.parse(lines[0]!)).toMatchObject({ backstop_audit_archive: 1, from_id: 0 });
    // The archive is itself audited, in the same transaction that deletes the rows.
    expect(await q(`select action, result from ops.audit_log where action = 'audit.archive'`)).toEqual([{ action: 'audit.archive', result: 'archived' }]);

    expect(await verifyAuditChain(database.db, { batchSize: 5 })).toMatchObject({ ok: true, rows: 36, archivedRows: 25, archives: 1 });
    expect(await verifyAuditChain(database.db, { archiveFiles: [join(dir, 'first.jsonl')] })).toMatchObject({ ok: true, archiveFileRows: 25 });

    await appendAuditBatch(database.db, rowsAt(60, 80));
    const second = await archive({ before: minute(50), out: join(dir, 'second.jsonl') });
    expect(second).toMatchObject({ kind: 'archived', rows: 25, fromId: (first as { throughId: number }).throughId });
    const files = [join(dir, 'second.jsonl'), join(dir, 'first.jsonl')];
    expect(await verifyAuditChain(database.db, { archiveFiles: files })).toMatchObject({ ok: true, rows: 32, archivedRows: 50, archives: 2, archiveFileRows: 50 });

    expect(await archive({ before: minute(10), out: join(dir, 'none.jsonl') })).toEqual({ kind: 'nothing', before: minute(10) });
    expect(existsSync(join(dir, 'none.jsonl'))).toBe(false);
    expect(existsSync(join(dir, 'none.jsonl.partial'))).toBe(false);
  });

  it('detects a changed or shortened archive file, and changes to the live rows after the boundary', async () => {
    await fresh();
    await appendAuditBatch(database.db, rowsAt(0, 40));
    const out = join(dir, 'tamper.jsonl');
    const done = await archive({ before: minute(20), out });
    const original = readFileSync(out, 'utf8');
    const lines = original.trimEnd().split('\n');
    const broken = async (files: string[]) => {
      const v = await verifyAuditChain(database.db, { archiveFiles: files });
      if (v.ok) throw new Error('expected a broken chain');
      return v;
    };
    try {
      const edited = JSON.parse(lines[7]!);
      writeFileSync(out, original.replace(lines[7]!, JSON.stringify({ ...edited, reason: 'nothing to see' })));
      const v = await broken([out]);
      expect(v.problem).toBe(`${out}: row ${edited.id} was altered after it was written (hash mismatch; chain ${edited.chain})`);
      expect(v.problems.map((p) => p.problem).join('\n')).toMatch(/its sha256 \([0-9a-f]{16}…\) is not the one recorded for the archive of ids \d+–\d+/);

      const last = JSON.parse(lines.at(-1)!);
      writeFileSync(out, `${lines.slice(0, -1).join('\n')}\n`);
      expect((await broken([out])).problem).toMatch(new RegExp(`^${out}: chain ${last.chain} ends at row \\d+, but its archive record says row ${last.id}: the newest rows of the chain were deleted \\(truncation\\)$`));

      writeFileSync(out, 'not an archive\n');
      expect((await broken([out])).problem).toBe(`${out}: not a backstop audit archive (its first line is not an archive header)`);
    } finally {
      writeFileSync(out, original);
    }
    expect(await verifyAuditChain(database.db, { archiveFiles: [out] })).toMatchObject({ ok: true });

    // The first live row of a chain must link to that chain's head recorded at the boundary.
    const throughId = (done as { throughId: number }).throughId;
    const [firstLive] = await q(`select id::int, chain from ops.audit_log where id > $1 order by id limit 1`, [throughId]);
    const saved = await q(`select * from ops.audit_log where id = $1`, [firstLive.id]);
    await q(`delete from ops.audit_log where id = $1`, [firstLive.id]);
    const v = await broken([]);
    expect(v.problem).toMatch(new RegExp(`^row \\d+ does not link to the row before it in chain ${firstLive.chain} \\(row \\d+\\)`));
    await q(`insert into ops.audit_log select * from json_populate_record(null::ops.audit_log, $1)`, [JSON.stringify(saved[0])]);
    // A row put back below the boundary is one that should not be there.
    await q(`insert into ops.audit_log select (json_populate_record(null::ops.audit_log, $1)).*`, [lines[1]]);
    expect((await broken([])).problem).toMatch(/^row \d+ lies in the archived range \(ids up to \d+\) but is in the live log: it was inserted$/);
    await q(`delete from ops.audit_log where id <= $1`, [throughId]);
    expect(await verifyAuditChain(database.db)).toMatchObject({ ok: true });

    // Without its archive record, the live rows no longer start from anything: every chain's first row shows it.
    await q(`update ops.audit_archives set from_id = from_id + 1`);
    expect((await broken([])).problem).toMatch(/does not start where the archive before it ended \(row 0\): an archive record was removed/);
  });

  it('refuses to archive a broken chain, and to overwrite what is not a stopped run’s leftover', async () => {
    await fresh();
    await appendAuditBatch(database.db, rowsAt(0, 30));
    const [row] = await q(`select id::int from ops.audit_log order by id offset 4 limit 1`);
    await q(`update ops.audit_log set result = 'denied' where id = $1`, [row.id]);
    const out = join(dir, 'broken.jsonl');
    await expect(archive({ before: minute(20), out })).rejects.toThrow(new RegExp(`^the audit chain is broken at row ${row.id}: .*; nothing was archived`));
    expect(existsSync(out) || existsSync(`${out}.partial`)).toBe(false);
    expect(await q(`select count(*)::int as n from ops.audit_log`)).toEqual([{ n: 30 }]);
    await q(`update ops.audit_log set result = 'ok' where id = $1`, [row.id]);

    const notes = join(dir, 'notes.txt');
    writeFileSync(notes, 'my notes\n');
    await expect(archive({ before: minute(20), out: notes })).rejects.toThrow(`--out ${notes} already exists and is not an audit archive; choose another file`);
    expect(readFileSync(notes, 'utf8')).toBe('my notes\n');
    const done = join(dir, 'done.jsonl');
    await archive({ before: minute(10), out: done });
    await expect(archive({ before: minute(20), out: done })).rejects.toThrow(/already holds the archive of ids \d+–\d+; choose another file/);
    await expect(archive({ before: minute(20), out: join(dir, 'no-such-dir', 'x.jsonl') })).rejects.toThrow(AppError);
  });

  it('deletes nothing when killed before its commit, and can be run again', async () => {
    await fresh();
    await appendAuditBatch(database.db, rowsAt(0, 40));
    const out = join(dir, 'killed.jsonl');
    // Holding a SHARE lock on ops.audit_archives lets the run read and write its file, then stops it at the insert.
    const holder = await database.pool.connect();
    let pid: number | undefined;
    try {
      await holder.query('begin');
      await holder.query('lock table ops.audit_archives in share mode');
      const child = spawn(process.execPath, [CLI, 'audit', 'archive', '--before', minute(30).toISOString(), '--out', out], { env, stdio: 'ignore' });
      try {
        for (let i = 0; i < 300 && pid === undefined; i++) {
          pid = (await q(`select pid from pg_locks where relation = 'ops.audit_archives'::regclass and not granted`))[0]?.pid;
          if (pid === undefined) await new Promise((r) => setTimeout(r, 50));
        }
        expect(pid, 'the archive run never reached its transaction').toBeDefined();
      } finally {
        child.kill('SIGKILL');
        await exited(child);
      }
    } finally {
      await holder.query('rollback');
      holder.release();
    }
    // Its server process ends once it finds the client gone; the transaction never commits.
    for (let i = 0; i < 200 && (await q(`select 1 from pg_stat_activity where pid = $1`, [pid])).length; i++) await new Promise((r) => setTimeout(r, 25));
    expect(await q(`select count(*)::int as n from ops.audit_archives`)).toEqual([{ n: 0 }]);
    expect(await q(`select count(*)::int as n from ops.audit_log`)).toEqual([{ n: 40 }]);
    expect(await verifyAuditChain(database.db)).toMatchObject({ ok: true, rows: 40 });
    expect(existsSync(out)).toBe(true);

    // Run again: the file it left is replaced, and this time the archive commits.
    const again = await cli(env, 'audit', 'archive', '--before', minute(30).toISOString(), '--out', out);
    expect(again.stderr).toBe('');
    expect(again.stdout).toMatch(new RegExp(`^archived 30 rows \\(ids \\d+–\\d+, written before 2030-01-01T00:30:00.000Z\\) to ${out}, sha256 [0-9a-f]{64}\\n$`));
    expect((await cli(env, 'audit', 'verify', '--archive', out)).stdout).toMatch(/^audit chain intact: 11 rows in 16 chains, after 30 archived rows \(1 archive\); 1 archive file intact \(30 rows\); heads [0-9a-f]{16}…\n  no checkpoint checked: a log truncated or replaced together with its chain heads would look intact \(set BACKSTOP_AUDIT_CHECKPOINT_FILE or pass --checkpoint\)\n$/);
  });

  it('answers on the command line in one line, exits non-zero on a broken chain, and never prints a stack trace', async () => {
    await fresh();
    await appendAuditBatch(database.db, rowsAt(0, 20));
    const ok = await cli(env, 'audit', 'verify');
    expect(ok).toMatchObject({ code: 0, stderr: '' });
    expect(ok.stdout).toMatch(/^audit chain intact: 20 rows in 16 chains; heads [0-9a-f]{16}…\n  no checkpoint checked: a log truncated or replaced together with its chain heads would look intact \(set BACKSTOP_AUDIT_CHECKPOINT_FILE or pass --checkpoint\)\n$/);

    const out = join(dir, 'cli.jsonl');
    const archived = await cli(env, 'audit', 'archive', '--before', '2030-01-01T00:10:00Z', '--out', out, '--as', 'dana');
    expect(archived.code, archived.stderr).toBe(0);
    expect(await q(`select actor from ops.audit_log where action = 'audit.archive'`)).toEqual([{ actor: 'dana' }]);

    const cases: Array<[string[], RegExp]> = [
      [['audit', 'archive', '--before', 'last tuesday', '--out', join(dir, 'x.jsonl')], /^error: --before: expected an ISO date such as 2026-01-31 or 2026-01-31T12:00:00Z, got "last tuesday"\n$/],
      [['audit', 'archive', '--before', '2030-02-30', '--out', join(dir, 'x.jsonl')], /^error: --before: expected an ISO date/],
      [['audit', 'archive', '--before', '2030-01-01', '--out', join(dir, 'missing', 'x.jsonl')], /^error \(BAD_REQUEST\): cannot write --out .*missing\/x\.jsonl: its directory does not exist\n$/],
      [['audit', 'archive', '--before', '2030-01-01', '--out', join(out, 'x.jsonl')], /^error \(BAD_REQUEST\): cannot write --out .*: a part of its path is not a directory\n$/],
      [['audit', 'archive', '--before', '2030-01-02', '--out', out], /^error \(BAD_REQUEST\): --out .* already holds the archive of ids \d+–\d+; choose another file\n$/],
      [['audit', 'verify', '--archive', join(dir, 'nope.jsonl')], /^error \(BAD_REQUEST\): --archive .*nope\.jsonl: no such file\n$/],
      [['audit', 'archive', '--out', out], /required option '--before <date>' not specified/],
    ];
    for (const [args, stderr] of cases) {
      const r = await cli(env, ...args);
      expect(r.code, args.join(' ')).toBeGreaterThan(0);
      expect(r.stderr, args.join(' ')).toMatch(stderr);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }

    const [victim] = await q(`select id::int, chain from ops.audit_log where subject = 'rb-b' order by id desc limit 1`);
    await q(`delete from ops.audit_log where id = $1`, [victim.id]);
    const truncated = await cli(env, 'audit', 'verify', '--archive', out);
    expect(truncated.code).toBe(1);
    expect(truncated.stderr).toMatch(new RegExp(`^audit chain BROKEN at row ${victim.id}: chain ${auditChainOf('rb-b')} ends at row \\d+, but its head in ops.audit_chain_heads says row ${victim.id}: the newest rows of the chain were deleted \\(truncation\\)\\n$`));
  });
});

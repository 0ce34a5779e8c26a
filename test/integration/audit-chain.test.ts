import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { drizzle } from 'drizzle-orm/node-postgres';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendAudit, appendAuditBatch, auditChainOf, GENESIS_HASH, recordAudit } from '../../src/audit/append-audit.ts';
import { verifyAuditChain } from '../../src/audit/verify-audit.ts';
import { canonicalHash } from '../../src/core/canonical-hash.ts';
import { createDatabase, type Database } from '../../src/db/client.ts';
import { MIGRATIONS_FOLDER, runMigrations } from '../../src/db/migrate.ts';
import { createLogger } from '../../src/logging/logger.ts';
import { auditEntry as entry, subjectsOnDistinctChains } from '../support/audit-subjects.ts';
import { trackClose } from '../support/leaks/track.ts';
import { urlFor, withAdmin } from '../support/pg-admin.ts';
import { countStatements } from '../support/statement-counter.ts';
import { createTestDatabase, type TestDatabase } from '../support/test-db.ts';

// The audit log as several hash chains (one per subject's hash), each with a head row that appends lock: unrelated
// writers do not wait for each other, a batch costs as few statements as one row, and migration 0006 keeps the rows
// written before there were chains valid. audit-tamper.test.ts has verify's cases, audit-archive.test.ts the archive.

const logger = createLogger({ level: 'silent', name: 'audit-test' });
interface Log {
  database: Database;
  tdb: TestDatabase;
  q(text: string, values?: unknown[]): Promise<any[]>;
  close(): Promise<void>;
}

async function freshLog(): Promise<Log> {
  const tdb = await createTestDatabase();
  const database = createDatabase(tdb.url, logger, { max: 6 });
  return trackClose(`freshLog (${tdb.name})`, {
    database,
    tdb,
    q: async (text: string, values?: unknown[]) => (await database.pool.query(text, values)).rows,
    close: () => database.close().finally(() => tdb.drop()),
  });
}

const waitingOnLock = async (log: Log) =>
  (await log.q(`select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`))[0].n as number;

describe('appending', () => {
  let log: Log;
  beforeAll(async () => {
    log = await freshLog();
  });
  afterAll(async () => log?.close());

  it('takes two statements, no advisory lock, and links each row to the one before it in its chain', async () => {
    const counted = createDatabase(log.tdb.url, logger, { max: 1 });
    const statements = countStatements(counted.pool);
    try {
      await recordAudit(counted.db, entry('alpha', 1));
      await counted.db.transaction((tx) => appendAudit(tx, entry('alpha', 2)));
      // Given the pool rather than a transaction, it opens its own: the head lock must last until the insert.
      await appendAudit(counted.db, entry('alpha', 3));
    } finally {
      await counted.close();
    }
    const sql = statements.statements.filter((s) => !/^(begin|commit)$/i.test(s));
    expect(sql).toHaveLength(6);
    expect(statements.statements.join('\n')).not.toMatch(/advisory/i);
    const rows = await log.q(`select chain, prev_hash, hash from ops.audit_log where subject = 'alpha' order by id`);
    expect(rows.map((r) => r.chain)).toEqual(Array(3).fill(auditChainOf('alpha')));
    expect(rows[0].prev_hash).toBe(GENESIS_HASH);
    expect(rows[1].prev_hash).toBe(rows[0].hash);
    expect(rows[2].prev_hash).toBe(rows[1].hash);
    expect(await verifyAuditChain(log.database.db)).toMatchObject({ ok: true, rows: 3 });
  });

  it('lets a writer on another chain commit while one chain is held open', async () => {
    const [held, other] = subjectsOnDistinctChains(2, 'conc');
    let release!: () => void;
    let appended!: () => void;
    const holding = new Promise<void>((r) => (release = r));
    const inside = new Promise<void>((r) => (appended = r));
    const open = log.database.db.transaction(async (tx) => {
      await appendAudit(tx, entry(held!, 1));
      appended();
      await holding;
    });
    await inside;
    try {
      // Commits while the first transaction still holds its chain's head: it is visible, the held row is not.
      await recordAudit(log.database.db, entry(other!, 1));
      expect(await log.q(`select subject from ops.audit_log where subject = any($1)`, [[held, other]])).toEqual([{ subject: other }]);
      expect(await waitingOnLock(log)).toBe(0);
    } finally {
      release();
      await open;
    }
    expect(await verifyAuditChain(log.database.db)).toMatchObject({ ok: true });
  });

  it('makes a writer on the same subject wait, then links its row after the first', async () => {
    let release!: () => void;
    let appended!: () => void;
    const holding = new Promise<void>((r) => (release = r));
    const inside = new Promise<void>((r) => (appended = r));
    const open = log.database.db.transaction(async (tx) => {
      await appendAudit(tx, entry('same', 1));
      appended();
      await holding;
    });
    await inside;
    let second: Promise<void>;
    let done = false;
    try {
      second = recordAudit(log.database.db, entry('same', 2)).then(() => void (done = true));
      for (let i = 0; i < 100 && (await waitingOnLock(log)) === 0; i++) await new Promise((r) => setTimeout(r, 20));
      expect(await waitingOnLock(log)).toBe(1);
      expect(done).toBe(false);
    } finally {
      release();
      await open;
    }
    await second!;
    const rows = await log.q(`select prev_hash, hash, details from ops.audit_log where subject = 'same' order by id`);
    expect(rows.map((r) => r.details.i)).toEqual([1, 2]);
    expect(rows[1].prev_hash).toBe(rows[0].hash);
  });

  it('keeps every chain linked under many concurrent writers', async () => {
    const subjects = subjectsOnDistinctChains(8, 'many');
    await Promise.all(Array.from({ length: 200 }, (_, i) => recordAudit(log.database.db, entry(i % 10 === 9 ? null : subjects[i % 8]!, i))));
    const verdict = await verifyAuditChain(log.database.db);
    expect(verdict).toMatchObject({ ok: true });
    const [{ total }] = await log.q(`select sum(row_count)::int as total from ops.audit_chain_heads`);
    const [{ n }] = await log.q(`select count(*)::int as n from ops.audit_log`);
    expect(total).toBe(n);
  });

  it('stores and hashes the same text when a reason holds a lone surrogate', async () => {
    await recordAudit(log.database.db, entry('odd', 1, 'half a pair: \ud800 and \udfff alone'));
    expect(await log.q(`select reason from ops.audit_log where subject = 'odd'`)).toEqual([{ reason: 'half a pair: \ufffd and \ufffd alone' }]);
    expect(await verifyAuditChain(log.database.db)).toMatchObject({ ok: true });
  });

  it('appends a batch of any size in two statements, in order within each subject', async () => {
    const counted = createDatabase(log.tdb.url, logger, { max: 1 });
    const statements = countStatements(counted.pool);
    const subjects = subjectsOnDistinctChains(12, 'batch');
    try {
      for (const size of [1, 20_000]) {
        statements.reset();
        await appendAuditBatch(counted.db, Array.from({ length: size }, (_, i) => entry(i % 13 === 0 ? null : subjects[i % 12]!, i)));
        expect(statements.statements.filter((s) => !/^(begin|commit)$/i.test(s))).toHaveLength(2);
      }
    } finally {
      await counted.close();
    }
    const order = await log.q(`select details->>'i' as i from ops.audit_log where subject = $1 and action = 'test.append' order by id`, [subjects[5]]);
    expect(order.map((r) => Number(r.i))).toEqual([...order.map((r) => Number(r.i))].sort((a, b) => a - b));
    expect(await verifyAuditChain(log.database.db, { batchSize: 777 })).toMatchObject({ ok: true });
  });
});

describe('migration 0006', () => {
  const name = `backstop_m_${randomBytes(4).toString('hex')}`;
  afterAll(() => withAdmin(async (a) => void (await a.query(`drop database if exists ${name} with (force)`))));

  it('turns the one chain there was into chain 0 and keeps every existing hash valid', async () => {
    await withAdmin((a) => a.query(`create database ${name}`));
    const pool = new pg.Pool({ connectionString: urlFor(name), max: 1 });
    const before = mkdtempSync(join(tmpdir(), 'backstop-migrations-'));
    try {
      // The migrations up to the one before 0006, then rows written as the single-chain code wrote them.
      cpSync(MIGRATIONS_FOLDER, before, { recursive: true });
      const journal = JSON.parse(readFileSync(join(before, 'meta/_journal.json'), 'utf8'));
      journal.entries = journal.entries.filter((e: { tag: string }) => e.tag < '0006');
      writeFileSync(join(before, 'meta/_journal.json'), JSON.stringify(journal));
      await migrate(drizzle(pool), { migrationsFolder: before });
      let prev = GENESIS_HASH;
      for (let i = 0; i < 25; i++) {
        const row = { at: new Date(Date.UTC(2030, 0, 1, 0, i)), actor: 'legacy', source: 'api', action: 'legacy.append', subject: `old-${i % 3}`, reason: null, result: 'ok', severity: 'info', details: { i }, prevHash: prev };
        const hash = canonicalHash({ ...row, at: row.at.toISOString() });
        await pool.query(`insert into ops.audit_log (at, actor, source, action, subject, reason, result, severity, details, prev_hash, hash) values ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11)`, [
          row.at, row.actor, row.source, row.action, row.subject, row.reason, row.result, row.severity, row.details, prev, hash,
        ]);
        prev = hash;
      }
      const legacy = (await pool.query(`select id, prev_hash, hash from ops.audit_log order by id`)).rows;

      await runMigrations(pool);
      expect((await pool.query(`select id, prev_hash, hash from ops.audit_log order by id`)).rows).toEqual(legacy);
      expect((await pool.query(`select distinct chain from ops.audit_log`)).rows).toEqual([{ chain: 0 }]);
      const heads = (await pool.query(`select chain, last_id::int, last_hash, row_count::int from ops.audit_chain_heads order by chain`)).rows;
      expect(heads).toHaveLength(16);
      expect(heads[0]).toEqual({ chain: 0, last_id: Number(legacy.at(-1).id), last_hash: prev, row_count: 25 });
      expect(heads.slice(1).every((h) => h.last_id === 0 && h.last_hash === GENESIS_HASH && h.row_count === 0)).toBe(true);
      // An insert that names no chain is refused rather than landing unlinked in chain 0.
      await expect(pool.query(`insert into ops.audit_log (at, actor, source, action, result, severity, prev_hash, hash) values (now(), 'x', 'api', 'x', 'x', 'info', 'x', 'x')`)).rejects.toThrow(/chain/);

      const database = createDatabase(urlFor(name), logger, { max: 2 });
      try {
        for (let i = 0; i < 10; i++) await recordAudit(database.db, entry(i % 2 ? null : `new-${i}`, i));
        expect(await verifyAuditChain(database.db)).toMatchObject({ ok: true, rows: 35 });
      } finally {
        await database.close();
      }
    } finally {
      await pool.end();
      rmSync(before, { recursive: true, force: true });
    }
  });
});

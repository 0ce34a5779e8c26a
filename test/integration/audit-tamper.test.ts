import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendAudit, auditRowHash, recordAudit } from '../../src/audit/append-audit.ts';
import { verifyAuditChain } from '../../src/audit/verify-audit.ts';
import { createDatabase, type Database } from '../../src/db/client.ts';
import { createLogger } from '../../src/logging/logger.ts';
import { auditEntry as entry, subjectsOnDistinctChains } from '../support/audit-subjects.ts';
import { createTestDatabase, type TestDatabase } from '../support/test-db.ts';

// Every way of changing the audit log behind backstop's back, each found by verify with the chain and the row: an
// edited row, the newest rows deleted (truncation), a row removed or inserted (even with a correct hash), a row moved
// to another chain, a head changed. Each case tampers, checks the verdict, and puts the log back from a copy.

const logger = createLogger({ level: 'silent', name: 'audit-test' });
interface Log {
  database: Database;
  q(text: string, values?: unknown[]): Promise<any[]>;
}

/** Forty rows over four subjects on four chains, five without a subject (chain 0), and one id never used (a gap). */
async function seed(log: Log): Promise<string[]> {
  const subjects = subjectsOnDistinctChains(4);
  for (let i = 0; i < 40; i++) {
    await recordAudit(log.database.db, entry(subjects[i % 4]!, i));
    if (i === 20) {
      await log.database.db
        .transaction(async (tx) => {
          await appendAudit(tx, entry(subjects[3]!, -1));
          throw new Error('rolled back');
        })
        .catch(() => undefined);
    }
  }
  for (let i = 0; i < 5; i++) await recordAudit(log.database.db, entry(null, i));
  return subjects;
}

describe('verify finds tampering', () => {
  const broken = async (log: Log) => {
    const verdict = await verifyAuditChain(log.database.db, { batchSize: 7 });
    if (verdict.ok) throw new Error('expected a broken chain');
    return verdict;
  };
  const rowOf = async (log: Log, where: string) => (await log.q(`select id::int, chain from ops.audit_log where ${where} order by id`)).map((r) => r as { id: number; chain: number });

  let tdb: TestDatabase;
  let log: Log;
  let subjects: string[];
  beforeAll(async () => {
    tdb = await createTestDatabase();
    const database = createDatabase(tdb.url, logger, { max: 2 });
    log = { database, q: async (text, values) => (await database.pool.query(text, values)).rows };
    subjects = await seed(log);
    await log.q(`create table public.saved_log as select * from ops.audit_log; create table public.saved_heads as select * from ops.audit_chain_heads`);
  });
  afterAll(async () => {
    await log?.database.close();
    await tdb?.drop();
  });
  // Each case tampers, checks the verdict, and puts the log back from the copy, so the cases stay independent.
  const tampered = async (tamper: () => Promise<unknown>, check: (v: Awaited<ReturnType<typeof broken>>) => void) => {
    try {
      await tamper();
      check(await broken(log));
    } finally {
      await log.q(`delete from ops.audit_log; insert into ops.audit_log select * from public.saved_log`);
      await log.q(`delete from ops.audit_chain_heads; insert into ops.audit_chain_heads select * from public.saved_heads`);
    }
    expect(await verifyAuditChain(log.database.db)).toMatchObject({ ok: true });
  };

  it('passes the untouched log', async () => {
    expect(await verifyAuditChain(log.database.db, { batchSize: 7 })).toMatchObject({ ok: true, rows: 45, chains: 16 });
  });

  it('finds an edited row', async () => {
    const [row] = await rowOf(log, `subject = '${subjects[1]}' and details->>'i' = '13'`);
    await tampered(
      () => log.q(`update ops.audit_log set reason = 'nothing to see' where id = $1`, [row!.id]),
      (v) => {
        expect(v.brokenAt).toBe(row!.id);
        expect(v.problem).toBe(`row ${row!.id} was altered after it was written (hash mismatch; chain ${row!.chain})`);
        expect(v.problems).toHaveLength(1);
      },
    );
  });

  it('finds the newest rows deleted (truncation), in one chain or in all', async () => {
    const rows = await rowOf(log, `subject = '${subjects[2]}'`);
    const newest = rows.at(-1)!;
    await tampered(
      () => log.q(`delete from ops.audit_log where id = $1`, [newest.id]),
      (v) => {
        expect(v.brokenAt).toBe(newest.id);
        expect(v.problem).toBe(`chain ${newest.chain} ends at row ${rows.at(-2)!.id}, but its head in ops.audit_chain_heads says row ${newest.id}: the newest rows of the chain were deleted (truncation)`);
      },
    );
    await tampered(
      () => log.q(`delete from ops.audit_log where id > (select max(id) - 10 from ops.audit_log)`),
      (v) => expect(v.problems.map((p) => p.problem).every((p) => /truncation/.test(p))).toBe(true),
    );
  });

  it('finds a row deleted from the middle of a chain', async () => {
    const rows = await rowOf(log, `subject = '${subjects[0]}'`);
    await tampered(
      () => log.q(`delete from ops.audit_log where id = $1`, [rows[3]!.id]),
      (v) => {
        expect(v.brokenAt).toBe(rows[4]!.id);
        expect(v.problem).toBe(`row ${rows[4]!.id} does not link to the row before it in chain ${rows[0]!.chain} (row ${rows[2]!.id}): a row was removed there, or this one was inserted`);
      },
    );
  });

  it('finds a row inserted, in the middle of a chain or after its head, even with a correct hash', async () => {
    const forge = async (id: number, after: { id: number; chain: number }) => {
      const [prev] = await log.q(`select hash from ops.audit_log where id = $1`, [after.id]);
      const row = { chain: after.chain, at: new Date(), actor: 'mallory', source: 'api', action: 'rollback.approve', subject: subjects[3]!, reason: null, result: 'approved', severity: 'info', details: null, prevHash: prev.hash };
      await log.q(`insert into ops.audit_log (id, chain, at, actor, source, action, subject, reason, result, severity, details, prev_hash, hash) values ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13)`, [
        id, row.chain, row.at, row.actor, row.source, row.action, row.subject, row.reason, row.result, row.severity, row.details, row.prevHash, auditRowHash(row),
      ]);
    };
    const rows = await rowOf(log, `subject = '${subjects[3]}'`);
    // The id the rolled-back append used: a gap in the middle of the chain, where a forged row fits.
    const [{ gap }] = await log.q(`select min(g)::int as gap from generate_series(1, (select max(id) from ops.audit_log)) g where g not in (select id from ops.audit_log)`);
    const before = rows.filter((r) => r.id < gap).at(-1)!;
    const next = rows.find((r) => r.id > gap)!;
    await tampered(
      () => forge(gap, before),
      (v) => {
        expect(v.brokenAt).toBe(next.id);
        expect(v.problem).toBe(`row ${next.id} does not link to the row before it in chain ${next.chain} (row ${gap}): a row was removed there, or this one was inserted`);
      },
    );
    await tampered(
      () => forge(100_000, rows.at(-1)!),
      (v) => {
        expect(v.brokenAt).toBe(100_000);
        expect(v.problem).toBe(`chain ${rows[0]!.chain} goes on past the row its head in ops.audit_chain_heads names (row ${rows.at(-1)!.id}) to row 100000: rows were added after it`);
      },
    );
  });

  it('finds a row moved to another chain', async () => {
    const [row] = await rowOf(log, `subject = '${subjects[1]}' and details->>'i' = '21'`);
    const to = (row!.chain + 5) % 16;
    await tampered(
      () => log.q(`update ops.audit_log set chain = $2 where id = $1`, [row!.id, to]),
      (v) => {
        expect(v.brokenAt).toBe(row!.id);
        expect(v.problem).toBe(`row ${row!.id} was moved from chain ${row!.chain} to chain ${to}`);
        expect(v.problems).toHaveLength(1);
      },
    );
  });

  it('finds a head row changed or removed', async () => {
    await tampered(
      () => log.q(`update ops.audit_chain_heads set row_count = row_count - 1 where chain = 0`),
      (v) => expect(v.problem).toMatch(/^chain 0 holds 5 rows \(archived ones included\), but its head in ops.audit_chain_heads counts 4/),
    );
    await tampered(
      () => log.q(`delete from ops.audit_chain_heads where chain = 0`),
      (v) => expect(v.problem).toBe('chain 0 has no head in ops.audit_chain_heads'),
    );
  });
});

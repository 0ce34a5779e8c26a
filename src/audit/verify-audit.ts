import type { Db } from '../db/client.ts';
import { findAuditRowsAfter } from '../db/queries/audit-log.ts';
import { GENESIS_HASH, auditRowHash } from './append-audit.ts';

export type AuditVerdict =
  | { ok: true; rows: number; head: string }
  | { ok: false; rows: number; brokenAt: number; problem: string };

// Walks the whole chain in id order, recomputing each hash; the first mismatch is where tampering happened.
export async function verifyAuditChain(db: Db, batchSize = 5_000): Promise<AuditVerdict> {
  let prev = GENESIS_HASH;
  let lastId = 0;
  let rows = 0;
  for (;;) {
    const batch = await findAuditRowsAfter(db, lastId, batchSize);
    if (batch.length === 0) return { ok: true, rows, head: prev };
    for (const row of batch) {
      rows++;
      if (row.prevHash !== prev) {
        return { ok: false, rows, brokenAt: row.id, problem: `row ${row.id} does not link to the row before it (a row was removed or inserted)` };
      }
      const expected = auditRowHash({ ...row });
      if (expected !== row.hash) {
        return { ok: false, rows, brokenAt: row.id, problem: `row ${row.id} was altered after it was written (hash mismatch)` };
      }
      prev = row.hash;
      lastId = row.id;
    }
  }
}

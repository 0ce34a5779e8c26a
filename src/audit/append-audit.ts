import { desc, sql } from 'drizzle-orm';
import { canonicalHash } from '../config/load.ts';
import type { Db, Queryable } from '../db/client.ts';
import { auditLog } from '../db/schema/index.ts';

export interface AuditEntry {
  actor: string;
  source: 'api' | 'cli' | 'discord' | 'system';
  action: string;
  subject?: string | null;
  reason?: string | null;
  result: string;
  severity?: 'info' | 'warning' | 'high';
  details?: Record<string, unknown> | null;
  at?: Date;
}

// Serializes appends so every row links to exactly one predecessor (an arbitrary, project-wide lock key).
const AUDIT_CHAIN_LOCK = 7_260_002;
export const GENESIS_HASH = '0'.repeat(64);

export function auditRowHash(row: {
  at: Date;
  actor: string;
  source: string;
  action: string;
  subject: string | null;
  reason: string | null;
  result: string;
  severity: string;
  details: unknown;
  prevHash: string;
}): string {
  // Exactly these fields, so a row read back (with its id and hash) hashes the same as the row written.
  return canonicalHash({
    at: row.at.toISOString(),
    actor: row.actor,
    source: row.source,
    action: row.action,
    subject: row.subject,
    reason: row.reason,
    result: row.result,
    severity: row.severity,
    details: row.details ?? null,
    prevHash: row.prevHash,
  });
}

/**
 * Appends one hash-chained audit row inside the caller's transaction, so the record commits with the change it
 * describes. It must be a transaction: the chain lock is transaction-scoped.
 */
export async function appendAudit(q: Queryable, entry: AuditEntry): Promise<void> {
  await q.execute(sql`select pg_advisory_xact_lock(${AUDIT_CHAIN_LOCK})`);
  const [last] = await q.select({ hash: auditLog.hash }).from(auditLog).orderBy(desc(auditLog.id)).limit(1);
  const row = {
    at: entry.at ?? new Date(),
    actor: entry.actor,
    source: entry.source,
    action: entry.action,
    subject: entry.subject ?? null,
    reason: entry.reason ?? null,
    result: entry.result,
    severity: entry.severity ?? 'info',
    details: entry.details ?? null,
    prevHash: last?.hash ?? GENESIS_HASH,
  };
  await q.insert(auditLog).values({ ...row, hash: auditRowHash(row) });
}

/** Appends an audit row on its own, for actions that change nothing else (a refused command, a read). */
export function recordAudit(db: Db, entry: AuditEntry): Promise<void> {
  return db.transaction((tx) => appendAudit(tx, entry));
}

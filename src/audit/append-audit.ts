import { createHash } from 'node:crypto';
import { PgTransaction } from 'drizzle-orm/pg-core';
import { canonicalHash } from '../core/canonical-hash.ts';
import type { Db, Queryable, Tx } from '../db/client.ts';
import { insertAuditRows, lockChainHeads, type ChainHead } from '../db/queries/audit-log.ts';
import { AUDIT_CHAINS } from '../db/schema/index.ts';

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

export const GENESIS_HASH = '0'.repeat(64);

/**
 * The chain a row goes to: rows about one subject (a rollback, a deployment) stay in one chain, in order; rows without
 * a subject go to chain 0. sha256 rather than Postgres' hashtext, whose values are not promised across versions.
 * Verification never recomputes this, so changing it regroups future rows and invalidates nothing.
 */
export function auditChainOf(subject: string | null | undefined): number {
  if (subject == null) return 0;
  return createHash('sha256').update(subject).digest().readUInt32BE(0) % AUDIT_CHAINS;
}

export function auditRowHash(row: {
  chain: number;
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
  // Exactly these fields, so a row read back (with its id and hash) hashes the same as the row written. The chain is
  // covered too, so a row moved to another chain no longer matches its hash; chain 0 leaves it out, which keeps the
  // hashes of the rows written before there were chains (all chain 0) valid.
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
    ...(row.chain === 0 ? {} : { chain: row.chain }),
  });
}

/** A hashed row, ready to insert: what appendAuditBatch writes, and what verify and archive recompute. */
export type ChainedAuditRow = Parameters<typeof auditRowHash>[0] & { hash: string };

/**
 * Appends one hash-chained audit row inside the caller's transaction, so the record commits with the change it
 * describes. Two statements: lock the chain's head, then insert the row and advance the head. Only writers on the
 * same chain wait for each other; given a pool rather than a transaction, it opens one of its own.
 */
export function appendAudit(q: Queryable, entry: AuditEntry): Promise<void> {
  return appendAuditBatch(q, [entry]);
}

/**
 * Appends many entries in two statements whatever their number (lock the heads of their chains in chain order, so
 * two batches never deadlock; then one insert that also advances every head). Entries keep their order within a
 * chain. Meant for batches of up to some tens of thousands of entries: the rows travel as one JSON parameter.
 */
export async function appendAuditBatch(q: Queryable, entries: readonly AuditEntry[]): Promise<void> {
  if (entries.length === 0) return;
  if (!(q instanceof PgTransaction)) return (q as Db).transaction((tx) => appendAuditBatch(tx, entries));
  const tx = q as Tx;
  const heads = await lockChainHeads(tx, [...new Set(entries.map((e) => auditChainOf(e.subject)))].sort((a, b) => a - b));
  const rows = chainAuditRows(heads, entries);
  const ids = await insertAuditRows(tx, rows);
  // Verification walks each chain in id order, so ids must follow the links. Postgres assigns them in the order of
  // the insert's rows; this holds it to that, and the transaction rolls back rather than commit a misordered chain.
  const lastIdOf = new Map<number, number>();
  for (const row of rows) {
    const id = ids.get(row.hash)!;
    if (id <= (lastIdOf.get(row.chain) ?? 0)) throw new Error(`audit rows were given ids out of chain order (chain ${row.chain}, id ${id})`);
    lastIdOf.set(row.chain, id);
  }
}

/**
 * Hashes entries onto the heads of their chains (locked by the caller, in this transaction), advancing the heads in
 * memory: the rows to insert, for appendAuditBatch or for a statement that writes them along with something else.
 */
export function chainAuditRows(heads: Map<number, ChainHead>, entries: readonly AuditEntry[]): ChainedAuditRow[] {
  return entries.map((entry): ChainedAuditRow => {
    const chain = auditChainOf(entry.subject);
    const head = heads.get(chain);
    if (!head) throw new Error(`audit chain ${chain} has no head row in ops.audit_chain_heads (was migration 0006 applied?)`);
    const row = {
      chain,
      at: entry.at ?? new Date(),
      actor: wellFormed(entry.actor),
      source: entry.source,
      action: wellFormed(entry.action),
      subject: entry.subject == null ? null : wellFormed(entry.subject),
      reason: entry.reason == null ? null : wellFormed(entry.reason),
      result: wellFormed(entry.result),
      severity: entry.severity ?? 'info',
      details: entry.details ?? null,
      prevHash: head.lastHash,
    };
    const hash = auditRowHash(row);
    head.lastHash = hash;
    return { ...row, hash };
  });
}

// A lone surrogate (JSON.parse lets "\ud800" through) would reach Postgres as U+FFFD, so the stored text would no
// longer match the text hashed; store and hash the same well-formed string.
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
const wellFormed = (text: string) => text.replace(LONE_SURROGATE, '\ufffd');

/** Appends an audit row on its own, for actions that change nothing else (a refused command, a read). */
export function recordAudit(db: Db, entry: AuditEntry): Promise<void> {
  return db.transaction((tx) => appendAudit(tx, entry));
}

import { bigint, jsonb, serial, smallint, text, timestamp } from 'drizzle-orm/pg-core';
import { ops } from './ops.ts';

// One row per audit chain: its newest row. An append locks it (select … for update), so appends to one chain
// serialise and appends to different chains do not; verify compares each chain's last row with it, so deleting the
// newest rows shows.
export const auditChainHeads = ops.table('audit_chain_heads', {
  chain: smallint('chain').primaryKey(),
  // 0 and the genesis hash while the chain is empty.
  lastId: bigint('last_id', { mode: 'number' }).notNull(),
  lastHash: text('last_hash').notNull(),
  // Every row ever appended to the chain, archived ones included.
  rowCount: bigint('row_count', { mode: 'number' }).notNull(),
  updatedAt: timestamp('updated_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
});

/** Where each chain stood at an archive's boundary (its last archived row); chains are keyed by number. */
export type ArchiveHeads = Record<string, { lastId: number; lastHash: string; rowCount: number }>;

// Rows moved out of the hot table into a JSON-lines file: ids (from_id, through_id], in order. Verification of the
// live rows starts each chain from the newest archive's heads; the file's sha256 proves the file is the one written.
export const auditArchives = ops.table('audit_archives', {
  id: serial('id').primaryKey(),
  // The previous archive's through_id (0 for the first): unique, so two archive runs at once cannot both commit.
  fromId: bigint('from_id', { mode: 'number' }).notNull().unique(),
  throughId: bigint('through_id', { mode: 'number' }).notNull().unique(),
  rowCount: bigint('row_count', { mode: 'number' }).notNull(),
  heads: jsonb('heads').$type<ArchiveHeads>().notNull(),
  sha256: text('sha256').notNull(),
  file: text('file').notNull(),
  before: timestamp('before', { withTimezone: true, precision: 3 }).notNull(),
  archivedBy: text('archived_by').notNull(),
  archivedAt: timestamp('archived_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
});

export type AuditArchive = typeof auditArchives.$inferSelect;

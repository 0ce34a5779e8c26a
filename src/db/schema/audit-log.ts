import { sql } from 'drizzle-orm';
import { bigserial, check, jsonb, smallint, text, timestamp } from 'drizzle-orm/pg-core';
import { ops } from './ops.ts';

/** How many hash chains the audit log is split into (audit/append-audit.ts picks one by subject). */
export const AUDIT_CHAINS = 16;

// Append-only. Each row's hash covers its content and the previous hash in its chain, so an edit breaks the chain.
// Rows about one subject share a chain; unrelated writers rarely do, so they do not wait for each other.
export const auditLog = ops.table(
  'audit_log',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    chain: smallint('chain').notNull(),
    at: timestamp('at', { withTimezone: true, precision: 3 }).notNull(),
    actor: text('actor').notNull(),
    source: text('source').notNull(),
    action: text('action').notNull(),
    subject: text('subject'),
    reason: text('reason'),
    result: text('result').notNull(),
    severity: text('severity').notNull(),
    details: jsonb('details'),
    prevHash: text('prev_hash').notNull(),
    hash: text('hash').notNull().unique(),
  },
  () => [check('audit_log_chain_range', sql.raw(`chain >= 0 and chain < ${AUDIT_CHAINS}`))],
);

export type AuditRow = typeof auditLog.$inferSelect;

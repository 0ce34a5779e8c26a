import { bigserial, jsonb, text, timestamp } from 'drizzle-orm/pg-core';
import { ops } from './ops.ts';

// Append-only. Each row's hash covers its content and the previous row's hash, so an edit breaks the chain.
export const auditLog = ops.table('audit_log', {
  id: bigserial('id', { mode: 'number' }).primaryKey(),
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
});

export type AuditRow = typeof auditLog.$inferSelect;

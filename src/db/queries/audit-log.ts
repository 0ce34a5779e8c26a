import { asc, eq, gt } from 'drizzle-orm';
import type { Queryable } from '../client.ts';
import { auditLog, type AuditRow } from '../schema/index.ts';

// Appending is not here: audit/append-audit.ts takes the chain lock, reads the head and inserts as one critical section.

/** One batch of the chain, in id order, after `afterId`. */
export async function findAuditRowsAfter(q: Queryable, afterId: number, limit: number): Promise<AuditRow[]> {
  return q.select().from(auditLog).where(gt(auditLog.id, afterId)).orderBy(asc(auditLog.id)).limit(limit);
}

/** Everything recorded about one subject (a rollback's event id), in the order written. */
export async function findAuditOf(q: Queryable, subject: string): Promise<AuditRow[]> {
  return q.select().from(auditLog).where(eq(auditLog.subject, subject)).orderBy(asc(auditLog.id));
}

import { asc, eq, gt, sql, type SQL } from 'drizzle-orm';
import type { Queryable } from '../client.ts';
import { auditArchives, auditChainHeads, auditLog, type AuditArchive, type AuditRow } from '../schema/index.ts';

// Appending is audit/append-audit.ts: it hashes each row between these two statements (lock the heads, then insert).

export interface ChainHead {
  lastId: number;
  lastHash: string;
  rowCount: number;
}

/** Locks the heads of these chains until the transaction ends (in the order given: callers sort, so none deadlock). */
export async function lockChainHeads(q: Queryable, chains: readonly number[]): Promise<Map<number, ChainHead>> {
  const { rows } = await q.execute<{ chain: number; last_id: string; last_hash: string; row_count: string }>(
    sql`select chain, last_id, last_hash, row_count from ops.audit_chain_heads
        where chain = any(${`{${chains.join(',')}}`}::smallint[]) order by chain for update`,
  );
  return new Map(rows.map((r) => [r.chain, chainHeadFromJson(r)]));
}

export type AuditRowToInsert = { chain: number; at: Date; actor: string; source: string; action: string; subject: string | null; reason: string | null; result: string; severity: string; details: unknown; prevHash: string; hash: string };

/**
 * The common table expressions that insert hashed rows in the order given (`ins`, returning id, chain and hash) and
 * advance each chain's head to its newest row, for a statement of its own or one that writes something else with them.
 */
export function auditInsertCtes(rows: readonly AuditRowToInsert[]): SQL {
  const input = JSON.stringify(rows.map((r, ord) => ({ ...r, ord, at: r.at.toISOString(), prev_hash: r.prevHash, prevHash: undefined })));
  return sql`audit_input as (
      select * from jsonb_to_recordset(${input}::jsonb) as r(
        ord int, chain smallint, at timestamptz, actor text, source text, action text, subject text, reason text,
        result text, severity text, details jsonb, prev_hash text, hash text)
    ), ins as (
      insert into ops.audit_log (chain, at, actor, source, action, subject, reason, result, severity, details, prev_hash, hash)
      select chain, at, actor, source, action, subject, reason, result, severity, details, prev_hash, hash from audit_input order by ord
      returning id, chain, hash
    ), advanced as (
      update ops.audit_chain_heads h
      set last_id = n.last_id, last_hash = n.last_hash, row_count = h.row_count + n.added, updated_at = now()
      from (select chain, max(id) as last_id, (array_agg(hash order by id desc))[1] as last_hash, count(*) as added from ins group by chain) n
      where h.chain = n.chain
    )`;
}

/** Inserts hashed rows in the order given and advances each chain's head, in one statement. Returns each row's id by hash. */
export async function insertAuditRows(q: Queryable, rows: readonly AuditRowToInsert[]): Promise<Map<string, number>> {
  const { rows: inserted } = await q.execute<{ id: string; hash: string }>(sql`with ${auditInsertCtes(rows)} select id, hash from ins`);
  return new Map(inserted.map((r) => [r.hash, Number(r.id)]));
}

/** The head of one chain, locked until the transaction ends, as a JSON scalar subquery for a statement that reads more. */
export function lockedChainHeadJson(chain: number | SQL): SQL {
  return sql`(select row_to_json(h) from (
      select chain, last_id, last_hash, row_count from ops.audit_chain_heads where chain = ${chain} for update) h)`;
}

/** A head as a row or a JSON object gives it (bigints arrive as strings from one, numbers from the other). */
export function chainHeadFromJson(json: { last_id: number | string; last_hash: string; row_count: number | string }): ChainHead {
  return { lastId: Number(json.last_id), lastHash: json.last_hash, rowCount: Number(json.row_count) };
}

export async function findChainHeads(q: Queryable): Promise<Map<number, ChainHead>> {
  const rows = await q.select().from(auditChainHeads);
  return new Map(rows.map((r) => [r.chain, { lastId: r.lastId, lastHash: r.lastHash, rowCount: r.rowCount }]));
}

/**
 * One batch of the log, in id order, after `afterId`. Deliberately without an upper bound: `id > $1 order by id limit`
 * is always a walk along the primary key, while a bounded range on stale statistics (right after a bulk load) was
 * planned as a bitmap scan that sorted the whole range for every batch.
 */
export async function findAuditRowsAfter(q: Queryable, afterId: number, limit: number): Promise<AuditRow[]> {
  return q.select().from(auditLog).where(gt(auditLog.id, afterId)).orderBy(asc(auditLog.id)).limit(limit);
}

/** Everything recorded about one subject (a rollback's event id), in the order written. */
export async function findAuditOf(q: Queryable, subject: string): Promise<AuditRow[]> {
  return q.select().from(auditLog).where(eq(auditLog.subject, subject)).orderBy(asc(auditLog.id));
}

/** Every archive, oldest first: each one's range starts where the one before it ended. */
export async function findAuditArchives(q: Queryable): Promise<AuditArchive[]> {
  return q.select().from(auditArchives).orderBy(asc(auditArchives.throughId));
}

/**
 * The last id of the oldest rows written before `before`: the run of rows after `afterId`, in id order, that stops at
 * the first row written at or after it (archives are id ranges, so each chain loses only its oldest rows). Null if none.
 */
export async function getArchiveBoundary(q: Queryable, afterId: number, before: Date): Promise<number | null> {
  const { rows } = await q.execute<{ through: string | null }>(sql`
    select max(id) as through from ops.audit_log
    where id > ${afterId}
      and id < coalesce((select id from ops.audit_log where id > ${afterId} and at >= ${before.toISOString()}::timestamptz order by id limit 1), 9223372036854775807)`);
  return rows[0]?.through == null ? null : Number(rows[0].through);
}

export async function insertAuditArchive(q: Queryable, archive: typeof auditArchives.$inferInsert): Promise<void> {
  await q.insert(auditArchives).values(archive);
}

/** Deletes ids (afterId, throughId]; returns how many and the sha256 of their hashes joined by commas, in id order. */
export async function deleteAuditRows(q: Queryable, afterId: number, throughId: number): Promise<{ count: number; digest: string }> {
  const { rows } = await q.execute<{ count: string; digest: string }>(sql`
    with gone as (delete from ops.audit_log where id > ${afterId} and id <= ${throughId} returning id, hash)
    select count(*) as count, encode(sha256(convert_to(coalesce(string_agg(hash, ',' order by id), ''), 'UTF8')), 'hex') as digest from gone`);
  return { count: Number(rows[0]!.count), digest: rows[0]!.digest };
}

import { sql } from 'drizzle-orm';
import type { Db, Queryable } from '../client.ts';

// ops.health_samples is partitioned by UTC day (drizzle/0005_partition_health_samples.sql): one partition per day in
// schema ops_partitions, plus a DEFAULT partition that catches any row no day partition covers, so no insert fails.

const PARTITION_SCHEMA = 'ops_partitions';
const DEFAULT_PARTITION = 'health_samples_default';

export interface SamplePartition {
  name: string;
  /** The range it holds, [from, to); null for the default partition (or a bound of MINVALUE/MAXVALUE). */
  from: Date | null;
  to: Date | null;
  isDefault: boolean;
}

/** The partitions of ops.health_samples with their bounds, read from the catalog (the names are not trusted). */
export async function findSamplePartitions(q: Queryable): Promise<SamplePartition[]> {
  // The bound text carries its UTC offset, so the cast back to timestamptz does not depend on the session's TimeZone.
  const rows = await q.execute<{ name: string; from: string | null; to: string | null; is_default: boolean }>(sql`
    select c.relname as name, b[1]::timestamptz as "from", b[2]::timestamptz as "to",
      pg_get_expr(c.relpartbound, c.oid) = 'DEFAULT' as is_default
    from pg_inherits i
    join pg_class c on c.oid = i.inhrelid
    left join lateral regexp_match(pg_get_expr(c.relpartbound, c.oid), 'FROM \\(''([^'']+)''\\) TO \\(''([^'']+)''\\)') as b on true
    where i.inhparent = 'ops.health_samples'::regclass
    order by b[1]::timestamptz nulls first`);
  return rows.rows.map((r) => ({ name: r.name, from: r.from ? new Date(r.from) : null, to: r.to ? new Date(r.to) : null, isDefault: r.is_default }));
}

/** UTC days (their midnights) of the rows waiting in the default partition at or after `since`. */
export async function findDaysInDefault(q: Queryable, since: Date): Promise<Date[]> {
  const rows = await q.execute<{ day: string }>(sql`
    select distinct date_trunc('day', observed_at at time zone 'UTC') at time zone 'UTC' as day
    from ${sql.identifier(PARTITION_SCHEMA)}.${sql.identifier(DEFAULT_PARTITION)} where observed_at >= ${since} order by 1`);
  return rows.rows.map((r) => new Date(r.day));
}

/** Deletes up to `limit` rows older than `cutoff` from the default partition; the count deleted. */
export async function deleteExpiredFromDefault(q: Queryable, cutoff: Date, limit: number): Promise<number> {
  const def = sql`${sql.identifier(PARTITION_SCHEMA)}.${sql.identifier(DEFAULT_PARTITION)}`;
  const res = await q.execute(sql`
    delete from ${def} where (id, observed_at) in (select id, observed_at from ${def} where observed_at < ${cutoff} limit ${limit})`);
  return res.rowCount ?? 0;
}

// DDL waits at most this long for a lock, so a long reader never stalls the inserts queued behind the DDL for longer;
// what could not get its lock is left for the next run (the look-ahead leaves days of slack).
const DDL_LOCK_TIMEOUT = '2s';

// The DDL itself runs in two SECURITY DEFINER functions owned by backstop_owner (drizzle/0009_least_privilege.sql):
// ATTACH PARTITION needs ownership of ops.health_samples, which the runtime role does not have, and the functions let
// it add a day's partition or drop one, and nothing else.

/**
 * Adds the partition of one UTC day, moving in the rows the default partition holds for it, in one transaction. The
 * table is created on its own and then attached: ATTACH takes only a SHARE UPDATE EXCLUSIVE lock on
 * ops.health_samples (CREATE TABLE … PARTITION OF would take ACCESS EXCLUSIVE), and it checks that the default
 * partition holds nothing in the range, which the move has just made true. It also holds ACCESS EXCLUSIVE on the
 * default partition and SHARE ROW EXCLUSIVE on ops.deployments (the cloned foreign key) for those milliseconds.
 * The partition is named health_samples_YYYYMMDD (retention/utc-days.ts dayPartitionName). Returns the rows moved.
 */
export async function attachSamplePartition(db: Db, day: Date): Promise<number> {
  return db.transaction(async (tx) => {
    await tx.execute(sql.raw(`set local lock_timeout = '${DDL_LOCK_TIMEOUT}'`));
    // The two locks ATTACH takes on tables others use, taken first and without waiting. Waited for in the middle of the
    // ATTACH, holding the default partition, they deadlocked a transaction that had written ops.deployments and then
    // read samples (completing a deployment does): PostgreSQL broke it by failing one of the two. A lock that is not
    // free now is lock_not_available, and the day waits for the next run.
    await tx.execute(sql.raw(`lock table ops.deployments in share row exclusive mode nowait`));
    await tx.execute(sql.raw(`lock table ${PARTITION_SCHEMA}.${DEFAULT_PARTITION} in access exclusive mode nowait`));
    const { rows } = await tx.execute<{ moved: string }>(sql`select ops.attach_sample_partition(${day.toISOString().slice(0, 10)}::date) as moved`);
    return Number(rows[0]?.moved ?? 0);
  });
}

/** Drops one day partition, and every row in it, at once. */
export async function dropSamplePartition(db: Db, name: string): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.execute(sql.raw(`set local lock_timeout = '${DDL_LOCK_TIMEOUT}'`));
    await tx.execute(sql`select ops.drop_sample_partition(${name})`);
  });
}

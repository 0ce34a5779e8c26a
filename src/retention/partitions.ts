import { drizzle } from 'drizzle-orm/node-postgres';
import type pg from 'pg';
import type { Db } from '../db/client.ts';
import { attachSamplePartition, findSamplePartitions } from '../db/queries/partitions.ts';
import * as schema from '../db/schema/index.ts';
import { pgErrorOf } from '../errors/infra.ts';
import { dayPartitionName, daysBetween, isCovered } from './utc-days.ts';

export interface PartitionsEnsured {
  created: string[];
  /** Rows that had landed in the default partition and now sit in their day's partition. */
  moved: number;
  /** Partitions whose DDL could not get its lock in time; the next run adds them. */
  deferred: string[];
}

// lock_not_available: DDL gave up waiting for its lock (db/queries/partitions.ts sets lock_timeout). A busy table is
// an expected outcome, not a failure.
export const isLockTimeout = (err: unknown) => pgErrorOf(err)?.code === '55P03';

/** Adds the partition of each given UTC day that no partition covers yet, moving in its rows from the default one. */
export async function ensureDayPartitions(db: Db, days: Date[], signal?: AbortSignal): Promise<PartitionsEnsured> {
  const out: PartitionsEnsured = { created: [], moved: 0, deferred: [] };
  const partitions = await findSamplePartitions(db);
  const seen = new Set<number>();
  for (const day of days) {
    if (signal?.aborted) break;
    if (seen.has(day.getTime()) || isCovered(day, partitions)) continue;
    seen.add(day.getTime());
    const name = dayPartitionName(day);
    try {
      out.moved += await attachSamplePartition(db, day);
      out.created.push(name);
    } catch (err) {
      if (!isLockTimeout(err)) throw err;
      out.deferred.push(name);
    }
  }
  return out;
}

/** Makes every UTC day in [from, to] a partition of its own (for bulk loads, such as bench/dataset.ts). */
export async function ensureSamplePartitions(conn: pg.Pool | pg.PoolClient, range: { from: Date; to: Date }): Promise<PartitionsEnsured> {
  return ensureDayPartitions(drizzle(conn, { schema }), daysBetween(range.from, range.to));
}

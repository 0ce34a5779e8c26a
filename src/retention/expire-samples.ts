import type { Db } from '../db/client.ts';
import { deleteExpiredFromDefault, dropSamplePartition, findDaysInDefault, findSamplePartitions } from '../db/queries/partitions.ts';
import { ensureDayPartitions, isLockTimeout } from './partitions.ts';
import { daysBetween, expiredPartitions } from './utc-days.ts';

export interface SamplesExpiry {
  partitionsCreated: string[];
  partitionsDropped: string[];
  /** Rows that had landed in the default partition and now sit in their day's partition. */
  movedFromDefault: number;
  /** Expired rows deleted from the default partition (days that have no partition of their own). */
  deletedFromDefault: number;
  /** Partitions whose DDL could not get its lock in time; the next run does them. */
  deferred: string[];
}

/**
 * Keeps ops.health_samples' day partitions: drops those wholly older than `cutoff`, empties the default partition
 * (expired rows deleted in batches, the rest moved into partitions of their days) and adds partitions for today and
 * the `aheadDays` after it. Each step is its own transaction, so a run stopped anywhere leaves whole steps done.
 */
export async function expireSamples(db: Db, input: { now: Date; cutoff: Date; aheadDays: number; batchSize: number; signal?: AbortSignal }): Promise<SamplesExpiry> {
  const out: SamplesExpiry = { partitionsCreated: [], partitionsDropped: [], movedFromDefault: 0, deletedFromDefault: 0, deferred: [] };
  const stopped = () => input.signal?.aborted === true;

  for (const p of expiredPartitions(await findSamplePartitions(db), input.cutoff)) {
    if (stopped()) return out;
    try {
      await dropSamplePartition(db, p.name);
      out.partitionsDropped.push(p.name);
    } catch (err) {
      if (!isLockTimeout(err)) throw err;
      out.deferred.push(p.name);
    }
  }

  for (let n = input.batchSize; n === input.batchSize && !stopped(); ) {
    n = await deleteExpiredFromDefault(db, input.cutoff, input.batchSize);
    out.deletedFromDefault += n;
  }
  if (stopped()) return out;

  const ahead = new Date(input.now.getTime() + input.aheadDays * 24 * 3_600_000);
  const days = [...(await findDaysInDefault(db, input.cutoff)), ...daysBetween(input.now, ahead)];
  const ensured = await ensureDayPartitions(db, days, input.signal);
  return { ...out, partitionsCreated: ensured.created, movedFromDefault: ensured.moved, deferred: [...out.deferred, ...ensured.deferred] };
}

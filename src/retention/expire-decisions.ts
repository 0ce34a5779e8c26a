import type { Db } from '../db/client.ts';
import { deleteExpiredDecisions, getLastDecisionId } from '../db/queries/retention.ts';

export interface DecisionsExpiry {
  deleted: number;
  /** False when the run was stopped before the end; the next run carries on (it starts from the oldest id again). */
  complete: boolean;
}

/**
 * Deletes the health decisions older than `cutoff`, `batchSize` ids per statement, in id order. Each batch commits
 * on its own: a run killed between or inside batches leaves only whole batches deleted, and the next run finishes.
 */
export async function expireDecisions(db: Db, input: { cutoff: Date; batchSize: number; signal?: AbortSignal }): Promise<DecisionsExpiry> {
  const through = await getLastDecisionId(db);
  let deleted = 0;
  for (let after = 0; through !== null; ) {
    if (input.signal?.aborted) return { deleted, complete: false };
    const batch = await deleteExpiredDecisions(db, { cutoff: input.cutoff, after, through, limit: input.batchSize });
    if (batch.lastId === null) return { deleted, complete: true };
    deleted += batch.deleted;
    after = batch.lastId;
  }
  return { deleted, complete: true };
}

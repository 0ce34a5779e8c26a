import type { Db } from '../db/client.ts';
import { claimEvent } from '../db/queries/rollback-transitions.ts';
import { Claim } from './ledger.ts';

/** Takes the rollback for this worker by bumping its fence; resolves null when there is nothing left to do. */
export async function claimRollback(db: Db, eventId: string, workerId: string, clock: () => Date): Promise<Claim | null> {
  const row = await claimEvent(db, eventId, workerId, clock());
  if (!row) return null;
  return new Claim(db, row, row.claimFence, row.rollbackSteps, clock);
}

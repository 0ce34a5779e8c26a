import { and, eq, inArray, sql } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { rollbackEvents } from '../db/schema/index.ts';
import { Claim } from './ledger.ts';

const CLAIMABLE = ['approved', 'queued', 'running', 'verifying'] as const;

/** Takes the rollback for this worker by bumping its fence; resolves null when there is nothing left to do. */
export async function claimRollback(db: Db, eventId: string, workerId: string, clock: () => Date): Promise<Claim | null> {
  const [row] = await db
    .update(rollbackEvents)
    .set({
      claimFence: sql`${rollbackEvents.claimFence} + 1`,
      claimedBy: workerId,
      heartbeatAt: sql`now()`,
      status: sql`case when ${rollbackEvents.status} in ('approved', 'queued') then 'running'::ops.rollback_status else ${rollbackEvents.status} end`,
      startedAt: sql`coalesce(${rollbackEvents.startedAt}, now())`,
      updatedAt: sql`now()`,
    })
    .where(and(eq(rollbackEvents.eventId, eventId), inArray(rollbackEvents.status, [...CLAIMABLE])))
    .returning();
  if (!row) return null;
  return new Claim(db, row, row.claimFence, row.rollbackSteps, clock);
}

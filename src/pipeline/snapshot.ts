import { randomUUID } from 'node:crypto';
import { snapshotValues } from '../deployments/take-snapshot.ts';
import type { StepContext, StepResult } from './context.ts';

// Snapshot: the state right before executing, as read with the claim. Law of Inhabitance: no snapshot, no rollback.
// It is stored with execute's durable 'spawning' write, in the same statement, so the executor never starts without it.
export async function snapshot(ctx: StepContext): Promise<StepResult> {
  const { deps, claim, from, policy, stored } = ctx;
  if (!stored.state) {
    return { ok: false, status: 'failed', reason: 'Law of Inhabitance violated: pre-rollback snapshot failed: the service state was not read with the claim' };
  }
  const values = snapshotValues({ type: 'pre_rollback', deployment: from, eventId: claim.eventId, policy, policyVersion: deps.config.policyVersion, at: deps.clock() }, stored.state);
  const snapshotId = ctx.preSnapshotId ?? randomUUID();
  claim.stageSnapshot({ ...values, snapshotId });
  return { ok: true, detail: { snapshot_id: snapshotId } };
}

import { takeSnapshot } from '../deployments/take-snapshot.ts';
import type { StepContext, StepResult } from './context.ts';

// Snapshot: the state right before executing. Law of Inhabitance: no snapshot, no rollback.
export async function snapshot(ctx: StepContext): Promise<StepResult> {
  const { deps, claim, from, policy } = ctx;
  try {
    const snapshotId = await takeSnapshot(deps.db, { type: 'pre_rollback', deployment: from, eventId: claim.eventId, policy, policyVersion: deps.config.policyVersion, at: deps.clock(), maxSampleAgeMs: deps.config.raw.monitoring.max_sample_age });
    return { ok: true, detail: { snapshot_id: snapshotId } };
  } catch (err) {
    return { ok: false, status: 'failed', reason: `Law of Inhabitance violated: pre-rollback snapshot failed: ${(err as Error).message}` };
  }
}

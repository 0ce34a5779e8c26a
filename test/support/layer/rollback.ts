import { requestRollback } from '../../../src/admission/request-rollback.ts';
import { readStoredFacts } from '../../../src/db/queries/rollback-facts.ts';
import { findEventSnapshots } from '../../../src/db/queries/snapshots.ts';
import type { DeploymentRow, RollbackEventRow } from '../../../src/db/schema/index.ts';
import { pulledMetrics, pushedWindows } from '../../../src/health/observe.ts';
import { readDeploymentEvidence } from '../../../src/health/pushed-observations.ts';
import { claimRollback } from '../../../src/pipeline/claim.ts';
import type { StepContext, StepResult } from '../../../src/pipeline/context.ts';
import type { StepName } from '../../../src/pipeline/ledger.ts';
import { goodThenBad } from './rows.ts';
import { person, type LayerWorld } from './world.ts';

export interface ApprovedRollback {
  event: RollbackEventRow;
  good: DeploymentRow;
  bad: DeploymentRow;
  /** The pre-rollback snapshot admission took. */
  snapshotId: string;
}

/** A staging rollback of `service` from a failed v2.0.0 to v1.0.0, approved by bob's own request (staging needs one). */
export async function approvedRollback(w: LayerWorld, service: string): Promise<ApprovedRollback> {
  const { good, bad } = await goodThenBad(w.db, service, 'staging', w.clock.now());
  const out = await requestRollback(w.deps, { deploymentId: bad.deploymentId, reason: 'errors since v2.0.0', triggerType: 'manual', requester: person('bob', 'approver') });
  if (out.kind !== 'admitted' || out.event.status !== 'approved') throw new Error(`expected an approved rollback, got ${out.kind} ${out.event.status}`);
  return { event: out.event, good, bad, snapshotId: out.snapshotId };
}

/** Claims the rollback as `workerId` and builds the context each stage takes, as runRollback does. */
export async function claimContext(w: LayerWorld, eventId: string, workerId = 'worker-a'): Promise<StepContext> {
  const claim = await claimRollback(w.db, eventId, workerId, w.deps.clock);
  if (!claim) throw new Error(`nothing to claim for ${eventId}`);
  // What runRollback's one claiming statement reads along with the claim, read here on its own.
  const stateSince = new Date(w.clock.now().getTime() - w.config.raw.monitoring.max_sample_age);
  const stored = await readStoredFacts(w.db, claim.event.deploymentId, eventId, stateSince);
  const from = stored?.from;
  const policy = from && w.config.resolve(from.service, from.environment);
  const plan = claim.event.rollbackPlan;
  if (!stored || !from || !policy || !plan) throw new Error(`rollback ${eventId} has no configured deployment or no plan`);
  const preSnapshotId = (await findEventSnapshots(w.db, eventId)).find((s) => s.snapshotType === 'pre_rollback')?.snapshotId ?? null;
  const evidence = await readDeploymentEvidence(w.db, from.deploymentId, { windows: pushedWindows(policy.rules, pulledMetrics(policy)), now: w.clock.now(), staleAfterMs: w.config.raw.monitoring.stale_after, clockSkewMs: w.config.raw.monitoring.max_clock_skew });
  return { deps: w.deps, claim, from, policy, plan, stored, preSnapshotId, evidence };
}

/**
 * Runs one stage the way runRollback's runStep does (begin, run, end), but persists the ledger after each stage so
 * a test can read it back; `tookMs` moves the fake clock while the stage "runs".
 */
export async function runStage(ctx: StepContext, name: StepName, run: (ctx: StepContext) => Promise<StepResult>, tookMs: number, advance: (ms: number) => void): Promise<StepResult> {
  await ctx.claim.begin(name, name === 'verify' ? { status: 'verifying' } : {});
  const result = await run(ctx);
  advance(tookMs);
  if (result.ok) await ctx.claim.end(name, 'done', result.detail, result.patch);
  return result;
}

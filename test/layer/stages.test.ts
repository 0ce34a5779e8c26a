import { and, desc, eq } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { getActiveEvent, getEvent } from '../../src/db/queries/rollback-events.ts';
import { auditLog, deployments, systemSnapshots } from '../../src/db/schema/index.ts';
import type { Executor } from '../../src/executors/types.ts';
import type { StepContext, StepResult } from '../../src/pipeline/context.ts';
import { execute } from '../../src/pipeline/execute.ts';
import { finishStopped, finishSucceeded } from '../../src/pipeline/finish.ts';
import { snapshot } from '../../src/pipeline/snapshot.ts';
import { validate } from '../../src/pipeline/validate.ts';
import { verify } from '../../src/pipeline/verify.ts';
import { approvedRollback, claimContext, runStage } from '../support/layer/rollback.ts';
import { insertDeployment, insertSample } from '../support/layer/rows.ts';
import { createLayerWorld, type LayerWorld } from '../support/layer/world.ts';

// The rollback worker's stages, one call each, on a real database with a fake clock and an in-memory executor:
// after each stage, the ledger, the event's status and the rows it wrote.

const T0 = new Date('2031-03-01T10:00:00.000Z');
const at = (ms: number) => new Date(T0.getTime() + ms);
const NO_ENTROPY = 'Law of Total Coherence: entropy unknown: no recent health sample';

describe('pipeline stages', () => {
  let w: LayerWorld;
  let ledgerAtStart: unknown;
  beforeAll(async () => {
    w = await createLayerWorld({ start: T0, services: ['flow', 'changed', 'refused'] });
  });
  afterAll(async () => {
    await w?.close();
  });
  beforeEach(() => {
    w.clock.set(T0);
    w.slept.length = 0;
  });

  const advance = (ms: number) => void w.clock.advance(ms);
  const steps = async (eventId: string) => (await getEvent(w.db, eventId))!.rollbackSteps.map((s) => `${s.step}:${s.status}`);

  /** Starts once the 'spawning' entry is durable, reports progress, and succeeds. */
  const executor: Executor = {
    kind: 'memory',
    resumable: false,
    async execute(req) {
      ledgerAtStart = (await getEvent(w.db, req.eventId))!.rollbackSteps.at(-1);
      advance(1_000);
      await req.onStarted({ ack: 'memory-1' });
      req.onProgress(`deploying ${req.plan.target.version}`);
      advance(2_000);
      return { ok: true, summary: `deployed ${req.plan.target.version}` };
    },
  };

  it('runs validate → snapshot → execute → verify → finish, each step in the ledger at the fake times', async () => {
    const { event, good, bad, snapshotId } = await approvedRollback(w, 'flow');
    await insertSample(w.db, good.deploymentId, at(1_000), 0.2);
    w.useExecutor(executor);
    w.clock.set(at(5_000));
    const ctx = await claimContext(w, event.eventId);
    expect(await getEvent(w.db, event.eventId)).toMatchObject({ status: 'running', claimFence: 1, claimedBy: 'worker-a' });

    const validated = await runStage(ctx, 'validate', validate, 250, advance);
    expect(validated).toMatchObject({ ok: true, detail: { compliant: true, warnings: [NO_ENTROPY] } });
    const afterValidate = await getEvent(w.db, event.eventId);
    expect(afterValidate?.status).toBe('running');
    expect(afterValidate?.constitutionalValidation).toMatchObject({ compliant: true, violations: [] });
    expect(afterValidate?.rollbackSteps).toEqual([
      { step: 'validate', status: 'done', attempt: 1, started_at: at(5_000).toISOString(), finished_at: at(5_250).toISOString(), duration_ms: 250, detail: { compliant: true, warnings: [NO_ENTROPY] } },
    ]);

    // The pipeline's snapshot refreshes the one admission took: same id, one row.
    const snapped = await runStage(ctx, 'snapshot', snapshot, 100, advance);
    expect(snapped).toEqual({ ok: true, detail: { snapshot_id: snapshotId } });
    const pre = await w.db.select().from(systemSnapshots).where(and(eq(systemSnapshots.eventId, event.eventId), eq(systemSnapshots.snapshotType, 'pre_rollback')));
    expect(pre.map((s) => [s.snapshotId, (s.environmentConfig as { deployment: { version: string } }).deployment.version])).toEqual([[snapshotId, 'v2.0.0']]);
    expect(await steps(event.eventId)).toEqual(['validate:done', 'snapshot:done']);

    const executed = await execute(ctx);
    expect(ledgerAtStart).toMatchObject({ step: 'execute', status: 'running', attempt: 1, started_at: at(5_350).toISOString(), detail: { phase: 'spawning' } });
    expect(executed).toMatchObject({ ok: true, detail: { executor: 'memory', output: ['deploying v1.0.0'], summary: 'deployed v1.0.0' } });
    expect(ctx.claim.entry('execute')?.detail).toMatchObject({ phase: 'started', started: { ack: 'memory-1', at: at(6_350).toISOString() } });
    await ctx.claim.end('execute', 'done', (executed as Extract<StepResult, { ok: true }>).detail);
    expect((await getEvent(w.db, event.eventId))?.rollbackSteps.at(-1)).toMatchObject({ step: 'execute', status: 'done', duration_ms: 3_000 });

    await ctx.claim.begin('verify', { status: 'verifying' });
    expect((await getEvent(w.db, event.eventId))?.status).toBe('verifying');
    const verified = await verify(ctx);
    expect(verified).toMatchObject({ ok: true, detail: { healthy: true, summary: expect.stringMatching(/^Healthy: /) } });
    // The 30 s window, assessed every 10 s, entirely on the fake clock.
    expect(w.slept).toEqual([10_000, 10_000, 10_000]);
    await ctx.claim.end('verify', 'done', (verified as Extract<StepResult, { ok: true }>).detail);

    await ctx.claim.begin('finish');
    await finishSucceeded(ctx);
    const done = at(38_350);
    const finished = await getEvent(w.db, event.eventId);
    expect(finished).toMatchObject({ status: 'succeeded', statusReason: null, completedAt: done, claimFence: 1 });
    expect(await steps(event.eventId)).toEqual(['validate:done', 'snapshot:done', 'execute:done', 'verify:done', 'finish:done']);
    const finish = finished!.rollbackSteps.at(-1)!.detail as { restored_deployment_id: string; post_rollback_snapshot_id: string };

    expect((await w.db.select().from(deployments).where(eq(deployments.deploymentId, bad.deploymentId)))[0]).toMatchObject({ status: 'rolled_back', quarantined: true, rolledBackAt: done });
    const [restored] = await w.db.select().from(deployments).where(eq(deployments.deploymentId, finish.restored_deployment_id));
    expect(restored).toMatchObject({ version: 'v1.0.0', gitCommit: good.gitCommit, status: 'success', healthCheckPassed: true, rollbackFrom: bad.deploymentId, deployedBy: 'backstop', deployedAt: done });
    const post = await w.db.select().from(systemSnapshots).where(and(eq(systemSnapshots.eventId, event.eventId), eq(systemSnapshots.snapshotType, 'post_rollback')));
    expect(post.map((s) => s.snapshotId)).toEqual([finish.post_rollback_snapshot_id]);
    // Read in the restore's own statement: the service's newest sample and its applied migrations (none).
    expect(post[0]).toMatchObject({ keyMetrics: { observed_at: at(1_000).toISOString(), error_rate_per_minute: 0.2 }, tableCounts: { known_migrations: 0 } });
    const [audit] = await w.db.select().from(auditLog).where(eq(auditLog.subject, event.eventId)).orderBy(desc(auditLog.id)).limit(1);
    expect(audit).toMatchObject({ action: 'rollback.finish', result: 'succeeded', actor: 'backstop' });
    expect(await getActiveEvent(w.db, 'flow', 'staging')).toBeNull();
    expect(w.notifier.kinds(event.eventId)).toEqual(['requested', 'step', 'succeeded']);
  });

  it('stops at validate when the plan changed after approval: failed, with both hashes, at the fake time', async () => {
    const { event } = await approvedRollback(w, 'changed');
    // A newer known-good build appears between the target and the bad one: the target the plan names moves.
    await insertDeployment(w.db, { service: 'changed', environment: 'staging', version: 'v1.5.0', deployedAt: at(-45 * 60_000) });
    w.clock.set(at(5_000));
    const ctx = await claimContext(w, event.eventId);

    const result = await runStage(ctx, 'validate', validate, 250, advance);
    if (result.ok) throw new Error('validate should have stopped the rollback');
    expect(result).toMatchObject({ status: 'failed', reason: expect.stringMatching(/^the plan changed after approval/), detail: { approved_plan_hash: event.planHash } });
    expect(result.detail?.current_plan_hash).not.toBe(event.planHash);
    await stop(ctx, result);

    expect(await getEvent(w.db, event.eventId)).toMatchObject({ status: 'failed', statusReason: result.reason, completedAt: at(5_250) });
    expect(await steps(event.eventId)).toEqual(['validate:failed']);
    expect(w.notifier.kinds(event.eventId)).toEqual(['requested', 'failed']);
  });

  it('stops at validate when the constitution no longer holds: the validation is stored and the rollback is rejected', async () => {
    const { event, bad } = await approvedRollback(w, 'refused');
    // A deploy newer than the bad one is still in progress: Law 4.
    await insertDeployment(w.db, { service: 'refused', environment: 'staging', version: 'v3.0.0', deployedAt: at(-60_000), status: 'in_progress', healthy: false });
    w.clock.set(at(5_000));
    const ctx = await claimContext(w, event.eventId);
    expect(ctx.from.deploymentId).toBe(bad.deploymentId);

    const result = await runStage(ctx, 'validate', validate, 0, advance);
    if (result.ok) throw new Error('validate should have stopped the rollback');
    const violation = 'Law of Structural Integrity violated: a deployment is still in progress: v3.0.0';
    expect(result).toMatchObject({ status: 'rejected', reason: `Constitutional validation failed: ${violation}` });
    // validate writes the failed judgment itself, before the rollback is finished.
    expect(await getEvent(w.db, event.eventId)).toMatchObject({ status: 'running', constitutionalValidation: { compliant: false, violations: [violation] } });

    await stop(ctx, result);
    expect(await getEvent(w.db, event.eventId)).toMatchObject({ status: 'rejected', statusReason: result.reason, completedAt: at(5_000) });
    const [audit] = await w.db.select().from(auditLog).where(eq(auditLog.subject, event.eventId)).orderBy(desc(auditLog.id)).limit(1);
    expect(audit).toMatchObject({ action: 'rollback.finish', result: 'rejected', severity: 'warning', reason: result.reason });
    expect(w.notifier.kinds(event.eventId)).toEqual(['requested', 'constitutional_violation']);
  });
});

/** What runRollback does with a stage that stops: the step fails in the ledger, and finishStopped ends the rollback. */
async function stop(ctx: StepContext, result: Extract<StepResult, { ok: false }>): Promise<void> {
  ctx.claim.close('validate', 'failed', { ...result.detail, reason: result.reason });
  await finishStopped(ctx, result);
}

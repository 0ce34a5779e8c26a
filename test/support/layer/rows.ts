import { randomUUID } from 'node:crypto';
import type { Db } from '../../../src/db/client.ts';
import { deployments, healthSamples, rollbackEvents, type DeploymentRow, type RollbackEventRow } from '../../../src/db/schema/index.ts';
import { samplePlan } from '../sample-plan.ts';

// Rows as CI and the monitor leave them, written straight to the database for layer tests.

const MINUTE = 60_000;

export async function insertDeployment(
  db: Db,
  d: { service: string; environment: string; version: string; deployedAt: Date; status?: DeploymentRow['status']; healthy?: boolean; gitCommit?: string },
): Promise<DeploymentRow> {
  const [row] = await db
    .insert(deployments)
    .values({
      service: d.service,
      environment: d.environment,
      version: d.version,
      gitCommit: d.gitCommit ?? `c0ffee${d.version.replace(/\W/g, '')}`.slice(0, 12),
      deployedBy: 'ci',
      deployedAt: d.deployedAt,
      status: d.status ?? 'success',
      healthCheckPassed: d.healthy ?? (d.status ?? 'success') === 'success',
      completedAt: d.deployedAt,
    })
    .returning();
  return row!;
}

/** A known-good v1 an hour before `now`, and a failed v2 half an hour before it: the pair a rollback goes between. */
export async function goodThenBad(db: Db, service: string, environment: string, now: Date): Promise<{ good: DeploymentRow; bad: DeploymentRow }> {
  const good = await insertDeployment(db, { service, environment, version: 'v1.0.0', deployedAt: new Date(now.getTime() - 60 * MINUTE) });
  const bad = await insertDeployment(db, { service, environment, version: 'v2.0.0', deployedAt: new Date(now.getTime() - 30 * MINUTE), status: 'failed', healthy: false });
  return { good, bad };
}

/** A rollback row with the given status; the plan is the sample one (only the queries read these rows). */
export async function insertRollbackRow(
  db: Db,
  from: DeploymentRow,
  over: Partial<typeof rollbackEvents.$inferInsert> & Pick<RollbackEventRow, 'status' | 'initiatedAt'>,
): Promise<RollbackEventRow> {
  const [row] = await db
    .insert(rollbackEvents)
    .values({
      eventId: randomUUID(),
      deploymentId: from.deploymentId,
      service: from.service,
      environment: from.environment,
      triggerType: 'manual',
      triggerReason: 'layer test',
      rollbackPlan: samplePlan,
      planHash: 'h1',
      approvalsRequired: 1,
      updatedAt: over.initiatedAt,
      ...over,
    })
    .returning();
  return row!;
}

export async function insertSample(db: Db, deploymentId: string, observedAt: Date, errorRatePerMinute: number): Promise<void> {
  await db.insert(healthSamples).values({ deploymentId, source: 'pushed', observedAt, errorRatePerMinute });
}

import { and, desc, eq, ne, sql } from 'drizzle-orm';
import type { Queryable } from '../client.ts';
import type { ServiceState } from '../../deployments/take-snapshot.ts';
import { deployments, type DeploymentRow } from '../schema/index.ts';
import { parseServiceState, serviceStateColumns, type ServiceStateColumns } from './snapshots.ts';

export async function getDeployment(q: Queryable, deploymentId: string): Promise<DeploymentRow | null> {
  const [row] = await q.select().from(deployments).where(eq(deployments.deploymentId, deploymentId)).limit(1);
  return row ?? null;
}

export async function insertDeployment(q: Queryable, values: typeof deployments.$inferInsert): Promise<DeploymentRow> {
  const [row] = await q.insert(deployments).values(values).returning();
  return row!;
}

/** Locks the deployment row for the transaction: a request racing the rollback that finishes it waits, then sees rolled_back. */
export async function getDeploymentStatusForUpdate(q: Queryable, deploymentId: string): Promise<{ status: DeploymentRow['status'] } | null> {
  const [row] = await q.select({ status: deployments.status }).from(deployments).where(eq(deployments.deploymentId, deploymentId)).for('update');
  return row ?? null;
}

/** A deployment of this very version that was rolled back before: deploying it again is allowed, and flagged. */
export async function getQuarantinedDeployment(q: Queryable, d: { service: string; environment: string; version: string }): Promise<{ id: string } | null> {
  const [row] = await q
    .select({ id: deployments.deploymentId })
    .from(deployments)
    .where(and(eq(deployments.service, d.service), eq(deployments.environment, d.environment), eq(deployments.version, d.version), eq(deployments.quarantined, true)))
    .limit(1);
  return row ?? null;
}

/** The newest deployment of a service and environment that was not rolled back: what is running now. */
export async function getCurrentDeployment(q: Queryable, service: string, environment: string): Promise<DeploymentRow | null> {
  const [row] = await q
    .select()
    .from(deployments)
    .where(and(eq(deployments.service, service), eq(deployments.environment, environment), ne(deployments.status, 'rolled_back')))
    .orderBy(desc(deployments.deployedAt), desc(deployments.id))
    .limit(1);
  return row ?? null;
}

/** The deployment a successful rollback of `fromDeploymentId` created (rollback_from points back); the newest if several. */
export async function getRestoredDeployment(q: Queryable, fromDeploymentId: string): Promise<DeploymentRow | null> {
  const [row] = await q.select().from(deployments).where(eq(deployments.rollbackFrom, fromDeploymentId)).orderBy(desc(deployments.deployedAt)).limit(1);
  return row ?? null;
}

/** CI reports how a deployment ended. */
export async function updateDeploymentCompletion(
  q: Queryable,
  deploymentId: string,
  done: { status: 'success' | 'failed'; healthCheckPassed: boolean; healthCheckDetails: Record<string, unknown> | null; completedAt: Date },
): Promise<DeploymentRow> {
  const [row] = await q.update(deployments).set(done).where(eq(deployments.deploymentId, deploymentId)).returning();
  return row!;
}

/**
 * A rollback's restore, in one statement: the bad deployment becomes rolled_back and quarantined (an open watch ends
 * as rolled_back), the restored version becomes a new deployment, and the service's state is read for the
 * post-rollback snapshot. Those reads see the tables as they were before the statement's own writes, and neither
 * write changes what they read: the service's migrations whatever its deployments' status, and its samples.
 */
export async function restoreDeployment(
  q: Queryable,
  input: { rolledBack: string; restored: typeof deployments.$inferInsert; at: Date; stateSince: Date },
): Promise<{ deploymentId: string; state: ServiceState }> {
  const rolledBack = q
    .update(deployments)
    .set({ status: 'rolled_back', quarantined: true, rolledBackAt: input.at, watchResult: sql`coalesce(${deployments.watchResult}, 'rolled_back')` })
    .where(eq(deployments.deploymentId, input.rolledBack));
  const inserted = q.insert(deployments).values(input.restored).returning({ deploymentId: deployments.deploymentId });
  const { rows } = await q.execute<{ deployment_id: string } & ServiceStateColumns & Record<string, unknown>>(sql`
    with rolled_back as ${rolledBack}, restored as ${inserted}
    select restored.deployment_id, ${serviceStateColumns(input.restored.service, input.restored.environment, input.stateSince)} from restored`);
  return { deploymentId: rows[0]!.deployment_id, state: parseServiceState(rows[0]!) };
}

/**
 * For autocomplete: the newest deployments whose id, service, environment or version contains the typed text. It
 * scans the recent end of the table only, so it stays fast however long the history grows.
 */
export async function searchRecentDeployments(q: Queryable, text: string, limit: number) {
  const recent = q.select().from(deployments).orderBy(desc(deployments.deployedAt), desc(deployments.id)).limit(500).as('recent');
  const needle = `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  return q
    .select()
    .from(recent)
    .where(
      text
        ? sql`(${recent.deploymentId}::text ilike ${needle} or ${recent.service} ilike ${needle} or ${recent.environment} ilike ${needle} or ${recent.version} ilike ${needle})`
        : undefined,
    )
    .orderBy(desc(recent.deployedAt))
    .limit(limit);
}

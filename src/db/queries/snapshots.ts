import { and, asc, eq, sql } from 'drizzle-orm';
import type { Queryable } from '../client.ts';
import { systemSnapshots, type SnapshotRow } from '../schema/index.ts';

export type NewSnapshot = typeof systemSnapshots.$inferInsert;

/**
 * Stores a snapshot and returns its id. One taken for a rollback is keyed by (event, type) (a partial unique index),
 * so a retried step refreshes it in place and keeps the id it already reported; a deployment's snapshots are added.
 */
export async function insertSnapshot(q: Queryable, values: NewSnapshot): Promise<string> {
  if (!values.eventId) {
    const [row] = await q.insert(systemSnapshots).values(values).returning({ id: systemSnapshots.snapshotId });
    return row!.id;
  }
  const [row] = await q
    .insert(systemSnapshots)
    .values(values)
    .onConflictDoUpdate({
      target: [systemSnapshots.eventId, systemSnapshots.snapshotType],
      targetWhere: sql`event_id is not null`,
      set: {
        databaseSchemaHash: values.databaseSchemaHash,
        tableCounts: values.tableCounts,
        keyMetrics: values.keyMetrics,
        environmentConfig: values.environmentConfig,
        createdAt: values.createdAt ?? sql`now()`,
      },
    })
    .returning({ id: systemSnapshots.snapshotId });
  return row!.id;
}

/** Stores many deployment snapshots (no event, so nothing to refresh) in one statement. */
export async function insertSnapshots(q: Queryable, values: NewSnapshot[]): Promise<void> {
  if (values.length) await q.insert(systemSnapshots).values(values);
}

/** The metrics recorded just before a deployment: its baseline. */
export async function getPreDeploymentMetrics(q: Queryable, deploymentId: string): Promise<{ keyMetrics: unknown } | null> {
  const [snap] = await q
    .select({ keyMetrics: systemSnapshots.keyMetrics })
    .from(systemSnapshots)
    .where(and(eq(systemSnapshots.deploymentId, deploymentId), eq(systemSnapshots.snapshotType, 'pre_deployment')))
    .limit(1);
  return snap ?? null;
}

/** Every snapshot taken for one rollback, oldest first. */
export async function findEventSnapshots(q: Queryable, eventId: string): Promise<SnapshotRow[]> {
  return q.select().from(systemSnapshots).where(eq(systemSnapshots.eventId, eventId)).orderBy(asc(systemSnapshots.createdAt));
}

import { and, asc, eq, sql, type SQL } from 'drizzle-orm';
import type { ServiceState } from '../../deployments/take-snapshot.ts';
import type { Queryable } from '../client.ts';
import { rowFromJson } from '../row-from-json.ts';
import { healthSamples, systemSnapshots, type SnapshotRow } from '../schema/index.ts';
import { latestSampleJson } from './health-samples.ts';
import { appliedMigrationsJson } from './migrations.ts';

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

/** The columns of a service's state (applied_migrations, latest_sample), for a statement that reads it along with its own work. */
export function serviceStateColumns(service: SQL | string, environment: SQL | string, since: Date): SQL {
  return sql`${appliedMigrationsJson(service, environment)} as applied_migrations, ${latestSampleJson(service, environment, since)} as latest_sample`;
}

/** serviceStateColumns as they come back from the driver. */
export interface ServiceStateColumns {
  applied_migrations: Array<{ name: string; hash: string }>;
  latest_sample: Record<string, unknown> | null;
}

export function parseServiceState(row: ServiceStateColumns): ServiceState {
  return { migrations: row.applied_migrations, latest: row.latest_sample ? rowFromJson(healthSamples, row.latest_sample) : null };
}

/** What a snapshot records of a service (its applied migrations, its newest sample since `since`), in one statement. */
export async function readServiceState(q: Queryable, service: string, environment: string, since: Date): Promise<ServiceState> {
  const { rows } = await q.execute<ServiceStateColumns & Record<string, unknown>>(sql`select ${serviceStateColumns(service, environment, since)}`);
  return parseServiceState(rows[0]!);
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

import { and, eq, inArray, isNull, sql } from 'drizzle-orm';
import type { Queryable } from '../client.ts';
import { deployments, migrationHistory, type MigrationRow } from '../schema/index.ts';

export async function insertMigration(q: Queryable, values: typeof migrationHistory.$inferInsert): Promise<MigrationRow> {
  const [row] = await q.insert(migrationHistory).values(values).returning();
  return row!;
}

/** The schema of a service as backstop knows it: its applied, not yet reverted migrations, in the order applied. */
export async function findAppliedMigrations(q: Queryable, service: string, environment: string): Promise<Array<{ name: string; hash: string }>> {
  return q
    .select({ name: migrationHistory.migrationName, hash: migrationHistory.migrationHash })
    .from(migrationHistory)
    .innerJoin(deployments, eq(deployments.deploymentId, migrationHistory.deploymentId))
    .where(and(eq(deployments.service, service), eq(deployments.environment, environment), isNull(migrationHistory.rolledBackAt)))
    .orderBy(migrationHistory.appliedAt, migrationHistory.id);
}

/** Marks the migrations a full rollback reverted; one already marked keeps its first time. */
export async function markMigrationsRolledBack(q: Queryable, migrations: { deploymentIds: string[]; names: string[] }, at: Date): Promise<void> {
  await q
    .update(migrationHistory)
    .set({ rolledBackAt: at, rollbackSuccessful: true })
    .where(
      and(
        inArray(migrationHistory.deploymentId, migrations.deploymentIds),
        inArray(migrationHistory.migrationName, migrations.names),
        sql`${migrationHistory.rolledBackAt} is null`,
      ),
    );
}

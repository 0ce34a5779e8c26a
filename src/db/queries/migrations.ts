import { and, inArray, sql, type SQL } from 'drizzle-orm';
import type { Queryable } from '../client.ts';
import { migrationHistory, type MigrationRow } from '../schema/index.ts';

export async function insertMigration(q: Queryable, values: typeof migrationHistory.$inferInsert): Promise<MigrationRow> {
  const [row] = await q.insert(migrationHistory).values(values).returning();
  return row!;
}

/**
 * The schema of a service as backstop knows it: its applied, not yet reverted migrations in the order applied, as a
 * JSON array of {name, hash}. `service` and `environment` may be expressions over the enclosing statement.
 */
export function appliedMigrationsJson(service: SQL | string, environment: SQL | string): SQL {
  return sql`coalesce((
    select json_agg(json_build_object('name', mh.migration_name, 'hash', mh.migration_hash) order by mh.applied_at, mh.id)
    from ops.migration_history mh
    where mh.service = ${service} and mh.environment = ${environment} and mh.rolled_back_at is null), '[]')`;
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

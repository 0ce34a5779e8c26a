import { bigserial, boolean, integer, jsonb, text, timestamp, unique, uuid } from 'drizzle-orm/pg-core';
import { deployments } from './deployments.ts';
import { ops, reversibility } from './ops.ts';

export const migrationHistory = ops.table(
  'migration_history',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    deploymentId: uuid('deployment_id')
      .notNull()
      .references(() => deployments.deploymentId),
    migrationName: text('migration_name').notNull(),
    migrationHash: text('migration_hash').notNull(),
    reversibility: reversibility('reversibility').notNull(),
    appliedAt: timestamp('applied_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
    rolledBackAt: timestamp('rolled_back_at', { withTimezone: true, precision: 3 }),
    rollbackSuccessful: boolean('rollback_successful'),
    executionTimeMs: integer('execution_time_ms'),
    errorMessage: text('error_message'),
    rollbackScript: text('rollback_script'),
    metadata: jsonb('metadata'),
  },
  // The seed makes migration_name globally unique; services share names like 0001_init, so it is per deployment here.
  (t) => [unique('migration_history_deployment_name_uq').on(t.deploymentId, t.migrationName)],
);

export type MigrationRow = typeof migrationHistory.$inferSelect;

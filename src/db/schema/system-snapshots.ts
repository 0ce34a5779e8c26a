import { sql } from 'drizzle-orm';
import { bigserial, index, jsonb, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { deployments } from './deployments.ts';
import { ops, snapshotType } from './ops.ts';

export const systemSnapshots = ops.table(
  'system_snapshots',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    snapshotId: uuid('snapshot_id').notNull().unique().default(sql`gen_random_uuid()`),
    deploymentId: uuid('deployment_id')
      .notNull()
      .references(() => deployments.deploymentId),
    eventId: uuid('event_id'),
    snapshotType: snapshotType('snapshot_type').notNull(),
    databaseSchemaHash: text('database_schema_hash'),
    tableCounts: jsonb('table_counts'),
    keyMetrics: jsonb('key_metrics'),
    environmentConfig: jsonb('environment_config'),
    createdAt: timestamp('created_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
  },
  (t) => [
    // A deployment's baseline (its pre-deployment snapshot) is read whenever a rule fires for it.
    index('system_snapshots_deployment_idx').on(t.deploymentId, t.snapshotType),
    // A retried step refreshes its snapshot instead of adding a second one.
    uniqueIndex('system_snapshots_event_type_idx')
      .on(t.eventId, t.snapshotType)
      .where(sql`event_id is not null`),
  ],
);

export type SnapshotRow = typeof systemSnapshots.$inferSelect;

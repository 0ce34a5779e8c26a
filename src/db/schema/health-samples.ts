import { bigserial, doublePrecision, index, integer, jsonb, primaryKey, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { deployments } from './deployments.ts';
import { ops } from './ops.ts';

// Partitioned by UTC day on observed_at (drizzle/0005_partition_health_samples.sql; drizzle has no notion of it), so
// retention drops a day instead of deleting rows. A partitioned table's primary key must hold the partition key.
export const healthSamples = ops.table(
  'health_samples',
  {
    id: bigserial('id', { mode: 'number' }).notNull(),
    deploymentId: uuid('deployment_id')
      .notNull()
      .references(() => deployments.deploymentId),
    source: text('source').notNull(),
    observedAt: timestamp('observed_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
    errorRatePerMinute: doublePrecision('error_rate_per_minute'),
    recentErrors: integer('recent_errors'),
    databaseConnectionsPct: doublePrecision('database_connections_pct'),
    activeQueries: integer('active_queries'),
    p95Ms: doublePrecision('p95_ms'),
    memoryPct: doublePrecision('memory_pct'),
    raw: jsonb('raw'),
  },
  (t) => [
    primaryKey({ columns: [t.id, t.observedAt] }),
    index('health_samples_deployment_time_idx').on(t.deploymentId, t.observedAt.desc().nullsFirst()),
  ],
);

export type HealthSampleRow = typeof healthSamples.$inferSelect;

import { bigserial, doublePrecision, index, integer, jsonb, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { deployments } from './deployments.ts';
import { ops } from './ops.ts';

export const healthSamples = ops.table(
  'health_samples',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
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
  (t) => [index('health_samples_deployment_time_idx').on(t.deploymentId, t.observedAt.desc().nullsFirst())],
);

export type HealthSampleRow = typeof healthSamples.$inferSelect;

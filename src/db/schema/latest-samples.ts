import { bigint, primaryKey, text, timestamp } from 'drizzle-orm/pg-core';
import { ops } from './ops.ts';

// The newest pushed sample of each service and environment, kept by a trigger on ops.health_samples
// (drizzle/0008_latest_samples.sql; drizzle has no notion of triggers). A snapshot reads a service's state from it in
// one probe, where finding it among the samples meant one probe per deployment the service ever had: 9.5 ms for a
// service with a year of deployments.
export const latestSamples = ops.table(
  'latest_samples',
  {
    service: text('service').notNull(),
    environment: text('environment').notNull(),
    sampleId: bigint('sample_id', { mode: 'number' }).notNull(),
    observedAt: timestamp('observed_at', { withTimezone: true, precision: 3 }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.service, t.environment] })],
);

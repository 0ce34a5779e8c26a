import { sql, type SQL } from 'drizzle-orm';
import type { Queryable } from '../client.ts';
import { healthSamples } from '../schema/index.ts';
import { timestamptz } from '../prepared.ts';

export async function insertHealthSample(q: Queryable, values: typeof healthSamples.$inferInsert): Promise<{ id: number; observedAt: Date }> {
  const [row] = await q.insert(healthSamples).values(values).returning({ id: healthSamples.id, observedAt: healthSamples.observedAt });
  return row!;
}

/**
 * The newest sample pushed since `since` for any deployment of one service and environment, as a JSON scalar
 * subquery: one probe of the pair's pointer (ops.latest_samples, kept by a trigger on insert) and one of the sample it
 * names, whatever the number of deployments and samples the service has had. `service` and `environment` may be
 * expressions over the enclosing statement (readServiceState reads it with the applied migrations). A pointer whose sample retention has since dropped finds nothing, as it
 * should: that sample was older than any bound a reader uses.
 */
export function latestSampleJson(service: SQL | string, environment: SQL | string, since: Date | SQL): SQL {
  return sql`(
    select row_to_json(hs) from ops.latest_samples ls
    join ops.health_samples hs on hs.id = ls.sample_id and hs.observed_at = ls.observed_at
    where ls.service = ${service} and ls.environment = ${environment} and ls.observed_at >= ${timestamptz(since)})`;
}

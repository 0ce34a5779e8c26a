import { sql, type SQL } from 'drizzle-orm';
import { rowFromJson } from '../row-from-json.ts';
import type { Queryable } from '../client.ts';
import { healthSamples, type HealthSampleRow } from '../schema/index.ts';

export async function insertHealthSample(q: Queryable, values: typeof healthSamples.$inferInsert): Promise<{ id: number; observedAt: Date }> {
  const [row] = await q.insert(healthSamples).values(values).returning({ id: healthSamples.id, observedAt: healthSamples.observedAt });
  return row!;
}

/**
 * The newest sample pushed since `since` for any deployment of one service and environment: one probe of the pair's
 * pointer (ops.latest_samples, kept by a trigger on insert) and one of the sample it names, whatever the number of
 * deployments and samples the service has had.
 */
export async function getLatestHealthSample(q: Queryable, service: string, environment: string, since: Date): Promise<HealthSampleRow | null> {
  const { rows } = await q.execute<{ sample: Record<string, unknown> | null }>(sql`select ${latestSampleJson(service, environment, since)} as sample`);
  const sample = rows[0]?.sample;
  return sample ? rowFromJson(healthSamples, sample) : null;
}

/**
 * The same read as a JSON scalar subquery, for statements that fold it in; `service` and `environment` may be
 * expressions over the enclosing statement. A pointer whose sample retention has since dropped finds nothing, as it
 * should: that sample was older than any bound a reader uses.
 */
export function latestSampleJson(service: SQL | string, environment: SQL | string, since: Date): SQL {
  return sql`(
    select row_to_json(hs) from ops.latest_samples ls
    join ops.health_samples hs on hs.id = ls.sample_id and hs.observed_at = ls.observed_at
    where ls.service = ${service} and ls.environment = ${environment} and ls.observed_at >= ${since.toISOString()}::timestamptz)`;
}

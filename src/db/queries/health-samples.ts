import { sql, type SQL } from 'drizzle-orm';
import { rowFromJson } from '../row-from-json.ts';
import type { Queryable } from '../client.ts';
import { healthSamples, type HealthSampleRow } from '../schema/index.ts';

export async function insertHealthSample(q: Queryable, values: typeof healthSamples.$inferInsert): Promise<{ id: number; observedAt: Date }> {
  const [row] = await q.insert(healthSamples).values(values).returning({ id: healthSamples.id, observedAt: healthSamples.observedAt });
  return row!;
}

/**
 * The newest sample pushed since `since` for any deployment of one service and environment. Each deployment's newest
 * sample is one probe of the (deployment, observed_at) index within the time bound (so only recent partitions), and
 * the newest of those is the answer: the cost grows with the service's deployments, never with every sample it ever
 * had (a join over all of them took 0.5–0.8 s at 1M samples).
 */
export async function getLatestHealthSample(q: Queryable, service: string, environment: string, since: Date): Promise<HealthSampleRow | null> {
  const { rows } = await q.execute<{ sample: Record<string, unknown> | null }>(sql`select ${latestSampleJson(service, environment, since)} as sample`);
  const sample = rows[0]?.sample;
  return sample ? rowFromJson(healthSamples, sample) : null;
}

/**
 * The same read as a JSON scalar subquery, for statements that fold it in; `service` and `environment` may be
 * expressions over the enclosing statement.
 */
export function latestSampleJson(service: SQL | string, environment: SQL | string, since: Date): SQL {
  return sql`(
    select row_to_json(newest) from ops.deployments sd
    cross join lateral (
      select * from ops.health_samples hs
      where hs.deployment_id = sd.deployment_id and hs.observed_at >= ${since.toISOString()}::timestamptz
      order by hs.observed_at desc limit 1
    ) newest
    where sd.service = ${service} and sd.environment = ${environment}
    order by newest.observed_at desc limit 1)`;
}

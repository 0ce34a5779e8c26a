import { and, desc, eq, gte } from 'drizzle-orm';
import type { Queryable } from '../client.ts';
import { deployments, healthSamples, type HealthSampleRow } from '../schema/index.ts';

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
  const newestOfEach = q
    .select()
    .from(healthSamples)
    .where(and(eq(healthSamples.deploymentId, deployments.deploymentId), gte(healthSamples.observedAt, since)))
    .orderBy(desc(healthSamples.observedAt))
    .limit(1)
    .as('newest');
  const [latest] = await q
    .select()
    .from(deployments)
    .crossJoinLateral(newestOfEach)
    .where(and(eq(deployments.service, service), eq(deployments.environment, environment)))
    .orderBy(desc(newestOfEach.observedAt))
    .limit(1);
  return latest?.newest ?? null;
}

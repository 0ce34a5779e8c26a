import { and, desc, eq } from 'drizzle-orm';
import type { Queryable } from '../client.ts';
import { deployments, healthSamples, type HealthSampleRow } from '../schema/index.ts';

export async function insertHealthSample(q: Queryable, values: typeof healthSamples.$inferInsert): Promise<{ id: number; observedAt: Date }> {
  const [row] = await q.insert(healthSamples).values(values).returning({ id: healthSamples.id, observedAt: healthSamples.observedAt });
  return row!;
}

/** The newest sample pushed for any deployment of one service and environment. */
export async function getLatestHealthSample(q: Queryable, service: string, environment: string): Promise<HealthSampleRow | null> {
  const [latest] = await q
    .select()
    .from(healthSamples)
    .innerJoin(deployments, eq(deployments.deploymentId, healthSamples.deploymentId))
    .where(and(eq(deployments.service, service), eq(deployments.environment, environment)))
    .orderBy(desc(healthSamples.observedAt))
    .limit(1);
  return latest?.health_samples ?? null;
}

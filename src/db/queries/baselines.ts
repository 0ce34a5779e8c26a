import { sql } from 'drizzle-orm';
import { PUSHED_METRICS } from '../../config/monitoring-schema.ts';
import type { Queryable } from '../client.ts';
import { uuidArray } from '../../health/pushed-observations.ts';

/** The deployment a baseline rule compares against: the last known-good one before it. */
export interface KnownGoodBaseline {
  deploymentId: string;
  version: string;
  deployedAt: Date;
}

/**
 * For each deployment, the last known-good deployment of its service and environment that came before it (passed its
 * watch, never quarantined): the same test the gate's known-good and a rollback's target use. One statement for a page.
 */
export async function findBaselines(q: Queryable, deploymentIds: string[]): Promise<Map<string, KnownGoodBaseline>> {
  const out = new Map<string, KnownGoodBaseline>();
  if (deploymentIds.length === 0) return out;
  const rows = await q.execute<{ deployment_id: string; base_id: string; version: string; deployed_at: string }>(sql`
    select d.deployment_id, k.deployment_id as base_id, k.version, k.deployed_at
    from ops.deployments d
    cross join lateral (
      select k.deployment_id, k.version, k.deployed_at from ops.deployments k
      where k.service = d.service and k.environment = d.environment
        and k.status = 'success' and k.health_check_passed and not k.quarantined
        and (k.deployed_at, k.id) < (d.deployed_at, d.id)
      order by k.deployed_at desc, k.id desc limit 1) k
    where d.deployment_id = any(${uuidArray(deploymentIds)}::uuid[])`);
  for (const r of rows.rows) out.set(r.deployment_id, { deploymentId: r.base_id, version: r.version, deployedAt: new Date(r.deployed_at) });
  return out;
}

// A watch of a few minutes pushes a few dozen samples; this bounds a misbehaving reporter's share of one tick.
const MAX_SAMPLES = 5_000;

/** One pushed metric's values for one deployment, observed in (from, to]. The column comes from the fixed list, never from input. */
export async function findSampleValues(q: Queryable, input: { deploymentId: string; metric: string; from: Date; to: Date }): Promise<number[]> {
  if (!(PUSHED_METRICS as readonly string[]).includes(input.metric)) throw new RangeError(`${input.metric} is not a pushed metric`);
  const column = sql.raw(input.metric);
  const rows = await q.execute<{ v: number }>(sql`
    select ${column}::float8 as v from ops.health_samples
    where deployment_id = ${input.deploymentId} and observed_at > ${input.from} and observed_at <= ${input.to} and ${column} is not null
    order by observed_at desc limit ${MAX_SAMPLES}`);
  return rows.rows.map((r) => Number(r.v));
}

import { sql } from 'drizzle-orm';
import type { Queryable } from '../db/client.ts';
import type { WatchedDeployment } from './types.ts';

type Row = { deployment_id: string; service: string; environment: string; version: string; deployed_at: string; rollback_from: string | null };
const toWatched = (r: Row): WatchedDeployment => ({
  deploymentId: r.deployment_id,
  service: r.service,
  environment: r.environment,
  version: r.version,
  deployedAt: new Date(r.deployed_at),
  rollbackFrom: r.rollback_from,
});

/** Every deployment under watch, in one read of a partial index. */
export async function findWatched(q: Queryable): Promise<WatchedDeployment[]> {
  const rows = await q.execute<Row>(sql`
    select deployment_id, service, environment, version, deployed_at, rollback_from from ops.deployments
    where watch_ends_at is not null and watch_result is null`);
  return rows.rows.map(toWatched);
}

export async function findWatchedOne(q: Queryable, deploymentId: string): Promise<WatchedDeployment | null> {
  const rows = await q.execute<Row>(sql`
    select deployment_id, service, environment, version, deployed_at, rollback_from from ops.deployments
    where deployment_id = ${deploymentId} and watch_ends_at is not null and watch_result is null`);
  return rows.rows[0] ? toWatched(rows.rows[0]) : null;
}

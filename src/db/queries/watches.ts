import { and, eq, isNotNull, isNull, sql } from 'drizzle-orm';
import type { Queryable } from '../client.ts';
import { deployments } from '../schema/index.ts';
import type { WatchedDeployment } from '../../monitor/types.ts';

// A deployment is under watch from its recording until the watch ends: watch_ends_at set, watch_result still null.

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

/** The newest deployment is the one to watch: older ones of the same service still under watch are superseded, not judged. */
export async function supersedeWatches(q: Queryable, service: string, environment: string): Promise<void> {
  await q
    .update(deployments)
    .set({ watchResult: 'superseded' })
    .where(and(eq(deployments.service, service), eq(deployments.environment, environment), isNull(deployments.watchResult), isNotNull(deployments.watchEndsAt)));
}

/**
 * Ends, in one statement, the watch of every deployment whose window has passed: healthy (judged on data fresher than
 * `staleAfterMs`, nothing in breach) → success with health_check_passed; unhealthy or inconclusive ones stay as CI
 * left them. Rows another process is ending are skipped, not waited for.
 */
export async function endDueWatches(q: Queryable, now: Date, staleAfterMs: number): Promise<Array<{ deployment_id: string; watch_result: string }>> {
  const fresh = `${staleAfterMs} milliseconds`;
  const rows = await q.execute<{ deployment_id: string; watch_result: string }>(sql`
    with due as (
      select d.deployment_id,
        case
          when exists (select 1 from ops.rule_states s where s.deployment_id = d.deployment_id and s.verdict = 'breach') then 'unhealthy'
          -- A source that went quiet at the end of the watch is not a pass, however healthy it looked before.
          when exists (select 1 from ops.rule_states s where s.deployment_id = d.deployment_id and s.verdict = 'inconclusive') then 'inconclusive'
          -- Judged healthy on fresh data at the end of the watch: a pushed sample (healthy pushed states are not
          -- stored) or a healthy pulled reading, observed within stale_after of the watch's end.
          when exists (select 1 from ops.health_samples h where h.deployment_id = d.deployment_id and h.observed_at >= d.deployed_at and h.observed_at >= d.watch_ends_at - ${fresh}::interval)
            or exists (select 1 from ops.rule_states s where s.deployment_id = d.deployment_id and s.verdict = 'ok' and s.observed_at >= d.watch_ends_at - ${fresh}::interval) then 'healthy'
          else 'inconclusive'
        end as result
      from ops.deployments d
      where d.watch_ends_at is not null and d.watch_result is null and d.watch_ends_at <= ${now}
      for update skip locked
    )
    update ops.deployments d set
      watch_result = due.result,
      status = case when due.result = 'healthy' and d.status in ('pending', 'in_progress', 'success') then 'success'::ops.deployment_status else d.status end,
      health_check_passed = case when due.result = 'healthy' then true else d.health_check_passed end,
      completed_at = case when due.result = 'healthy' then coalesce(d.completed_at, ${now}) else d.completed_at end
    from due where d.deployment_id = due.deployment_id
    returning d.deployment_id, d.watch_result`);
  return rows.rows;
}

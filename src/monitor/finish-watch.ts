import { sql } from 'drizzle-orm';
import { getDeployment } from '../db/queries/deployments.ts';
import { healthDecisions } from '../db/schema/index.ts';
import { takeSnapshot } from '../deployments/take-snapshot.ts';
import type { MonitorDeps } from './types.ts';

/**
 * Ends the watch of deployments whose window has passed, in one statement: healthy (judged on data, nothing in
 * breach) → success with health_check_passed; otherwise unhealthy or inconclusive, which stay as CI left them.
 * Healthy ones then get their post-deployment snapshot.
 */
export async function finishWatches(deps: MonitorDeps): Promise<{ healthy: number; other: number }> {
  const now = deps.clock();
  const fresh = `${deps.config.raw.monitoring.stale_after} milliseconds`;
  const rows = await deps.db.execute<{ deployment_id: string; watch_result: string }>(sql`
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
  let healthy = 0;
  for (const r of rows.rows) {
    if (r.watch_result !== 'healthy') continue;
    healthy++;
    const deployment = await getDeployment(deps.db, r.deployment_id);
    if (!deployment) continue;
    await takeSnapshot(deps.db, { type: 'post_deployment', deployment, eventId: null, policy: deps.config.resolve(deployment.service, deployment.environment), policyVersion: deps.config.policyVersion });
    await deps.db.insert(healthDecisions).values({
      deploymentId: deployment.deploymentId,
      service: deployment.service,
      environment: deployment.environment,
      action: 'watch_passed',
      summary: `healthy through the ${Math.round(deps.config.raw.monitoring.watch_window / 60_000)} min watch window`,
      evidence: {},
    });
  }
  return { healthy, other: rows.rows.length - healthy };
}

import { getDeployment } from '../db/queries/deployments.ts';
import { insertHealthDecision } from '../db/queries/health-decisions.ts';
import { endDueWatches } from '../db/queries/watches.ts';
import { takeSnapshot } from '../deployments/take-snapshot.ts';
import type { MonitorDeps } from './types.ts';

/**
 * Ends the watch of deployments whose window has passed, in one statement: healthy (judged on data, nothing in
 * breach) → success with health_check_passed; otherwise unhealthy or inconclusive, which stay as CI left them.
 * Healthy ones then get their post-deployment snapshot.
 */
export async function finishWatches(deps: MonitorDeps): Promise<{ healthy: number; other: number }> {
  const now = deps.clock();
  const rows = await endDueWatches(deps.db, now, deps.config.raw.monitoring.stale_after);
  let healthy = 0;
  for (const r of rows) {
    if (r.watch_result !== 'healthy') continue;
    healthy++;
    const deployment = await getDeployment(deps.db, r.deployment_id);
    if (!deployment) continue;
    await takeSnapshot(deps.db, { type: 'post_deployment', deployment, eventId: null, policy: deps.config.resolve(deployment.service, deployment.environment), policyVersion: deps.config.policyVersion, at: deps.clock() });
    await insertHealthDecision(deps.db, {
      deploymentId: deployment.deploymentId,
      service: deployment.service,
      environment: deployment.environment,
      action: 'watch_passed',
      summary: `healthy through the ${Math.round(deps.config.raw.monitoring.watch_window / 60_000)} min watch window`,
      evidence: {},
    });
  }
  return { healthy, other: rows.length - healthy };
}

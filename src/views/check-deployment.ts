import { getDeployment } from '../db/queries/deployments.ts';
import { AppError } from '../errors/app-error.ts';
import { assessDeployment, type Assessment } from '../health/assess.ts';
import { ROLLBACK_ACTIONS } from '../health/verdict.ts';
import type { CoreDeps } from '../core/deps.ts';
import { requireUuid } from '../admission/validate-input.ts';

export interface CheckResult {
  should_rollback: boolean;
  reason: string;
  health: {
    healthy: boolean | null;
    error_rate_per_minute: number | null;
    recent_errors: number | null;
    database_connections: number | null;
    active_queries: number | null;
    timestamp: string | null;
  };
  /** The assessment behind the answer: the same one the monitor, the plan, Law 3 and the card use. */
  assessment: { verdict: Assessment['verdict']; action: Assessment['action']; summary: string; metrics: Assessment['metrics'] };
}

// The seed's /auto-rollback/check, answered from the one health assessment: should_rollback is true exactly when the
// rules would propose or roll back. No data is inconclusive (healthy: null), never healthy.
export async function checkDeployment(deps: CoreDeps, rawId: string): Promise<CheckResult> {
  const deploymentId = requireUuid(rawId, 'deployment_id');
  const deployment = await getDeployment(deps.db, deploymentId);
  if (!deployment) throw new AppError('NOT_FOUND', `deployment ${deploymentId} not found`);
  if (!deps.config.resolve(deployment.service, deployment.environment)) {
    throw new AppError('UNKNOWN_SERVICE', `service "${deployment.service}" in environment "${deployment.environment}" is not configured`);
  }
  const a = await assessDeployment(deps, deployment);
  return checkResultOf(a);
}

function checkResultOf(a: Assessment): CheckResult {
  const value = (metric: string) => a.metrics[metric]?.value ?? null;
  const times = Object.values(a.metrics).flatMap((m) => (m.observed_at ? [m.observed_at] : []));
  return {
    should_rollback: a.action !== null && ROLLBACK_ACTIONS.includes(a.action),
    reason: a.summary,
    health: {
      healthy: a.verdict === 'inconclusive' ? null : a.verdict === 'healthy',
      error_rate_per_minute: value('error_rate_per_minute'),
      recent_errors: value('recent_errors'),
      database_connections: value('database_connections_pct'),
      active_queries: value('active_queries'),
      timestamp: times.sort().at(-1) ?? null,
    },
    assessment: { verdict: a.verdict, action: a.action, summary: a.summary, metrics: a.metrics },
  };
}

import { getDeployment, getLatestSample } from '../db/queries/deployments.ts';
import { AppError } from '../errors/app-error.ts';
import { breachesOf, isConclusive } from '../health/judge-sample.ts';
import type { CoreDeps } from './deps.ts';
import { requireUuid } from './validate-input.ts';

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
}

// The seed's /auto-rollback/check: judge the newest sample against the rollback thresholds. No data is inconclusive
// (healthy: null), never healthy.
export async function checkDeployment(deps: CoreDeps, rawId: string): Promise<CheckResult> {
  const deploymentId = requireUuid(rawId, 'deployment_id');
  const deployment = await getDeployment(deps.db, deploymentId);
  if (!deployment) throw new AppError('NOT_FOUND', `deployment ${deploymentId} not found`);
  const policy = deps.config.resolve(deployment.service, deployment.environment);
  if (!policy) throw new AppError('UNKNOWN_SERVICE', `service "${deployment.service}" in environment "${deployment.environment}" is not configured`);
  const sample = await getLatestSample(deps.db, deploymentId);
  if (!sample || !isConclusive(sample)) {
    return {
      should_rollback: false,
      reason: 'No health data for this deployment: inconclusive',
      health: { healthy: null, error_rate_per_minute: null, recent_errors: null, database_connections: null, active_queries: null, timestamp: sample?.observedAt.toISOString() ?? null },
    };
  }
  const breaches = breachesOf(sample, policy.verification.thresholds);
  const rate = sample.errorRatePerMinute;
  return {
    should_rollback: breaches.length > 0,
    reason: breaches.length > 0 ? `Unhealthy: ${breaches.join(', ')}` : rate !== null ? `Healthy: error rate ${rate}/min` : 'Healthy: within thresholds',
    health: {
      healthy: breaches.length === 0,
      error_rate_per_minute: rate,
      recent_errors: sample.recentErrors,
      database_connections: sample.databaseConnectionsPct,
      active_queries: sample.activeQueries,
      timestamp: sample.observedAt.toISOString(),
    },
  };
}

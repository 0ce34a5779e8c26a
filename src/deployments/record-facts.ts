import { getDeployment } from '../db/queries/deployments.ts';
import { insertHealthSample } from '../db/queries/health-samples.ts';
import { insertMigration } from '../db/queries/migrations.ts';
import { formatDuration } from '../config/duration.ts';
import { AppError } from '../errors/app-error.ts';
import { isUniqueViolation } from '../errors/infra.ts';
import { appendAudit } from '../audit/append-audit.ts';
import type { Actor, CoreDeps } from '../core/deps.ts';

export interface NewMigration {
  name: string;
  hash: string;
  rollback_script?: string | undefined;
  reversibility: 'expand' | 'reversible' | 'destructive' | 'irreversible';
  execution_time_ms?: number | undefined;
}

export async function recordMigration(deps: CoreDeps, actor: Actor, deploymentId: string, input: NewMigration) {
  const deployment = await getDeployment(deps.db, deploymentId);
  if (!deployment) throw new AppError('NOT_FOUND', `deployment ${deploymentId} not found`);
  try {
    return await deps.db.transaction(async (tx) => {
      const row = await insertMigration(tx, {
        deploymentId,
        service: deployment.service,
        environment: deployment.environment,
        migrationName: input.name,
        migrationHash: input.hash,
        reversibility: input.reversibility,
        rollbackScript: input.rollback_script ?? null,
        executionTimeMs: input.execution_time_ms ?? null,
      });
      await appendAudit(tx, { actor: actor.id, source: actor.source, action: 'migration.record', subject: deploymentId, result: 'recorded', details: { name: input.name, reversibility: input.reversibility } });
      return row;
    });
  } catch (err) {
    if (isUniqueViolation(err)) throw new AppError('CONFLICT', `migration "${input.name}" is already recorded for deployment ${deploymentId}`);
    throw err;
  }
}

export interface NewSample {
  error_rate_per_minute?: number | undefined;
  recent_errors?: number | undefined;
  database_connections_pct?: number | undefined;
  active_queries?: number | undefined;
  p95_ms?: number | undefined;
  memory_pct?: number | undefined;
  observed_at?: string | undefined;
  source?: string | undefined;
}

/** Stores one health sample; samples are measurements, not commands, so they are not audited. */
/** Refuses an observed_at outside [now − max_sample_age, now + max_clock_skew]; resolves the time to store. */
function observedAtOf(deps: CoreDeps, input: NewSample): Date {
  const now = deps.clock();
  if (input.observed_at === undefined) return now;
  const at = new Date(input.observed_at);
  const { max_clock_skew: skew, max_sample_age: maxAge } = deps.config.raw.monitoring;
  const refuse = (why: string) => {
    throw new AppError('VALIDATION_FAILED', `observed_at: ${why} (backstop's clock says ${now.toISOString()})`, { details: [{ path: 'observed_at', message: why }] });
  };
  if (at.getTime() > now.getTime() + skew) refuse(`${input.observed_at} is in the future by more than the allowed clock skew of ${formatDuration(skew)} (monitoring.max_clock_skew)`);
  if (at.getTime() < now.getTime() - maxAge) refuse(`${input.observed_at} is older than ${formatDuration(maxAge)} (monitoring.max_sample_age)`);
  return at;
}

export async function recordHealthSample(deps: CoreDeps, deploymentId: string, input: NewSample) {
  const observedAt = observedAtOf(deps, input);
  if (!(await getDeployment(deps.db, deploymentId))) throw new AppError('NOT_FOUND', `deployment ${deploymentId} not found`);
  return insertHealthSample(deps.db, {
    deploymentId,
    source: input.source ?? 'push',
    observedAt,
    errorRatePerMinute: input.error_rate_per_minute ?? null,
    recentErrors: input.recent_errors ?? null,
    databaseConnectionsPct: input.database_connections_pct ?? null,
    activeQueries: input.active_queries ?? null,
    p95Ms: input.p95_ms ?? null,
    memoryPct: input.memory_pct ?? null,
  });
}

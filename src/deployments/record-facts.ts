import { migrationHistory, healthSamples } from '../db/schema/index.ts';
import { getDeployment } from '../db/queries/deployments.ts';
import { AppError } from '../errors/app-error.ts';
import { isUniqueViolation } from '../errors/infra.ts';
import { appendAudit } from '../audit/append-audit.ts';
import type { Actor, CoreDeps } from '../rollback/deps.ts';

export interface NewMigration {
  name: string;
  hash: string;
  rollback_script?: string | undefined;
  reversibility: 'expand' | 'reversible' | 'destructive' | 'irreversible';
  execution_time_ms?: number | undefined;
}

export async function recordMigration(deps: CoreDeps, actor: Actor, deploymentId: string, input: NewMigration) {
  if (!(await getDeployment(deps.db, deploymentId))) throw new AppError('NOT_FOUND', `deployment ${deploymentId} not found`);
  try {
    return await deps.db.transaction(async (tx) => {
      const [row] = await tx
        .insert(migrationHistory)
        .values({
          deploymentId,
          migrationName: input.name,
          migrationHash: input.hash,
          reversibility: input.reversibility,
          rollbackScript: input.rollback_script ?? null,
          executionTimeMs: input.execution_time_ms ?? null,
        })
        .returning();
      await appendAudit(tx, { actor: actor.id, source: actor.source, action: 'migration.record', subject: deploymentId, result: 'recorded', details: { name: input.name, reversibility: input.reversibility } });
      return row!;
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
export async function recordHealthSample(deps: CoreDeps, deploymentId: string, input: NewSample) {
  if (!(await getDeployment(deps.db, deploymentId))) throw new AppError('NOT_FOUND', `deployment ${deploymentId} not found`);
  const [row] = await deps.db
    .insert(healthSamples)
    .values({
      deploymentId,
      source: input.source ?? 'push',
      observedAt: input.observed_at ? new Date(input.observed_at) : deps.clock(),
      errorRatePerMinute: input.error_rate_per_minute ?? null,
      recentErrors: input.recent_errors ?? null,
      databaseConnectionsPct: input.database_connections_pct ?? null,
      activeQueries: input.active_queries ?? null,
      p95Ms: input.p95_ms ?? null,
      memoryPct: input.memory_pct ?? null,
    })
    .returning({ id: healthSamples.id, observedAt: healthSamples.observedAt });
  return row!;
}

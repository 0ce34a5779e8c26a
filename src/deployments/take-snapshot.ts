import { canonicalHash, type ResolvedPolicy } from '../config/load.ts';
import type { Queryable } from '../db/client.ts';
import { getLatestHealthSample } from '../db/queries/health-samples.ts';
import { findAppliedMigrations } from '../db/queries/migrations.ts';
import { insertSnapshot } from '../db/queries/snapshots.ts';
import type { DeploymentRow } from '../db/schema/index.ts';

type SnapshotType = 'pre_deployment' | 'post_deployment' | 'pre_rollback' | 'post_rollback';

async function captureState(q: Queryable, service: string, environment: string) {
  const migrations = await findAppliedMigrations(q, service, environment);
  const s = await getLatestHealthSample(q, service, environment);
  return {
    // The schema as backstop knows it: the applied, not-yet-reverted migrations in order.
    schemaHash: canonicalHash(migrations.map((m) => [m.name, m.hash])),
    migrationCount: migrations.length,
    keyMetrics: s
      ? {
          observed_at: s.observedAt.toISOString(),
          error_rate_per_minute: s.errorRatePerMinute,
          recent_errors: s.recentErrors,
          database_connections_pct: s.databaseConnectionsPct,
          active_queries: s.activeQueries,
          p95_ms: s.p95Ms,
          memory_pct: s.memoryPct,
        }
      : null,
  };
}

/**
 * Records the state of a service around a deployment or rollback. Keyed by (event, type), so a retried step
 * refreshes its snapshot in place and keeps the snapshot id it already reported.
 */
export async function takeSnapshot(
  q: Queryable,
  input: { type: SnapshotType; deployment: DeploymentRow; eventId: string | null; policy: ResolvedPolicy | undefined; policyVersion: string; at: Date },
): Promise<string> {
  const state = await captureState(q, input.deployment.service, input.deployment.environment);
  const values = {
    deploymentId: input.deployment.deploymentId,
    eventId: input.eventId,
    snapshotType: input.type,
    createdAt: input.at,
    databaseSchemaHash: state.schemaHash,
    // Row counts of the service's own database would need a probe into it; this records only what backstop itself knows.
    tableCounts: { known_migrations: state.migrationCount },
    keyMetrics: state.keyMetrics,
    environmentConfig: {
      service: input.deployment.service,
      environment: input.deployment.environment,
      deployment: { deployment_id: input.deployment.deploymentId, version: input.deployment.version, git_commit: input.deployment.gitCommit },
      executor: input.policy?.executor.kind ?? null,
      policy_version: input.policyVersion,
    },
  };
  return insertSnapshot(q, values);
}

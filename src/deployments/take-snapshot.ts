import type { ResolvedPolicy } from '../config/load.ts';
import { canonicalHash } from '../core/canonical-hash.ts';
import type { Queryable } from '../db/client.ts';
import { insertSnapshot, readServiceState, type NewSnapshot } from '../db/queries/snapshots.ts';
import type { DeploymentRow, HealthSampleRow } from '../db/schema/index.ts';

type SnapshotType = 'pre_deployment' | 'post_deployment' | 'pre_rollback' | 'post_rollback';

export interface SnapshotInput {
  type: SnapshotType;
  deployment: Pick<DeploymentRow, 'deploymentId' | 'service' | 'environment' | 'version' | 'gitCommit'>;
  eventId: string | null;
  policy: ResolvedPolicy | undefined;
  policyVersion: string;
  at: Date;
  /** monitoring.max_sample_age: an older sample is not the service's state (and backstop refuses to record one). */
  maxSampleAgeMs: number;
}

/** What backstop knows of a service at one moment: its applied migrations and its newest recent sample. */
export interface ServiceState {
  migrations: Array<{ name: string; hash: string }>;
  latest: Pick<HealthSampleRow, 'observedAt' | 'errorRatePerMinute' | 'recentErrors' | 'databaseConnectionsPct' | 'activeQueries' | 'p95Ms' | 'memoryPct'> | null;
}

/** The row a snapshot stores, from the state read for it (one at a time, or many at once at the end of watches). */
export function snapshotValues(input: Omit<SnapshotInput, 'maxSampleAgeMs'>, state: ServiceState): NewSnapshot {
  const s = state.latest;
  return {
    deploymentId: input.deployment.deploymentId,
    eventId: input.eventId,
    snapshotType: input.type,
    createdAt: input.at,
    // The schema as backstop knows it: the applied, not-yet-reverted migrations in order.
    databaseSchemaHash: canonicalHash(state.migrations.map((m) => [m.name, m.hash])),
    // Row counts of the service's own database would need a probe into it; this records only what backstop itself knows.
    tableCounts: { known_migrations: state.migrations.length },
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
    environmentConfig: {
      service: input.deployment.service,
      environment: input.deployment.environment,
      deployment: { deployment_id: input.deployment.deploymentId, version: input.deployment.version, git_commit: input.deployment.gitCommit },
      executor: input.policy?.executor.kind ?? null,
      policy_version: input.policyVersion,
    },
  };
}

/**
 * Records the state of a service around a deployment or rollback. Keyed by (event, type), so a retried step
 * refreshes its snapshot in place and keeps the snapshot id it already reported.
 */
export async function takeSnapshot(q: Queryable, input: SnapshotInput): Promise<string> {
  const { service, environment } = input.deployment;
  const state = await readServiceState(q, service, environment, new Date(input.at.getTime() - input.maxSampleAgeMs));
  return insertSnapshot(q, snapshotValues(input, state));
}

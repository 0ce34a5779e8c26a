import { sql, type SQL } from 'drizzle-orm';
import type { Queryable } from '../client.ts';
import { rowFromJson } from '../row-from-json.ts';
import { ACTIVE_ROLLBACK_STATUSES, deployments, healthSamples, migrationHistory, type DeploymentRow, type HealthSampleRow, type MigrationRow } from '../schema/index.ts';
import { latestSampleJson } from './health-samples.ts';
import { appliedMigrationsJson } from './migrations.ts';

/** A migration a rollback would revert: applied after the target, up to and including the deployment rolled back. */
export type MigrationToRevert = Pick<MigrationRow, 'deploymentId' | 'migrationName' | 'migrationHash' | 'reversibility' | 'rollbackScript' | 'appliedAt'>;

/**
 * Everything a judgment of a rollback reads from the database: the plan's inputs and the laws' facts, and, when a
 * snapshot is due, the service's state. One statement, so a vote or a worker's claim can carry it along.
 */
export interface StoredFacts {
  from: DeploymentRow;
  /** The last known-good deployment before `from`, of a different build from `from` and from the live one. */
  target: DeploymentRow | null;
  /** Newest first. */
  migrations: MigrationToRevert[];
  /** Other active rollbacks of the same service and environment (Law 4). */
  otherRollbacks: string[];
  /** Deployments newer than `from` still pending or in progress: a deploy racing the rollback. */
  deploymentsInProgress: Array<{ deployment_id: string; version: string }>;
  /** For a snapshot: the applied, not reverted migrations in order, and the newest sample since the bound. */
  state?: { migrations: Array<{ name: string; hash: string }>; latest: HealthSampleRow | null };
}

const ACTIVE = sql.raw(ACTIVE_ROLLBACK_STATUSES.map((s) => `'${s}'`).join(', '));

/**
 * The facts as one row of JSON columns, for the deployment whose id `fromId` gives (a value, or an expression over the
 * enclosing statement, such as the deployment of the event just locked). (deployed_at, id) orders deployments even
 * when two share a timestamp. Zero rows when the deployment does not exist.
 */
export function storedFactsQuery(fromId: SQL | string, exceptEventId: SQL | string, stateSince?: Date | SQL): SQL {
  return sql`
    select row_to_json(f) as from_row, row_to_json(t) as target_row,
      coalesce((
        select json_agg(m order by m.applied_at desc, m.id desc) from (
          select mh.id, mh.deployment_id, mh.migration_name, mh.migration_hash, mh.reversibility, mh.rollback_script, mh.applied_at
          from ops.migration_history mh join ops.deployments d on d.deployment_id = mh.deployment_id
          where mh.service = f.service and mh.environment = f.environment and mh.rolled_back_at is null
            and (t.id is null or (d.deployed_at, d.id) > (t.deployed_at, t.id))
            and (d.deployed_at, d.id) <= (f.deployed_at, f.id)) m), '[]') as migrations,
      coalesce((
        select json_agg(e.event_id) from ops.rollback_events e
        where e.service = f.service and e.environment = f.environment and e.status in (${ACTIVE}) and e.event_id <> ${exceptEventId}), '[]') as other_rollbacks,
      coalesce((
        select json_agg(p) from (
          select p.deployment_id, p.version from ops.deployments p
          where p.service = f.service and p.environment = f.environment and p.status in ('pending', 'in_progress')
            and (p.deployed_at, p.id) > (f.deployed_at, f.id)
          limit 20) p), '[]') as in_progress
      ${
        stateSince
          ? sql`, ${appliedMigrationsJson(sql`f.service`, sql`f.environment`)} as applied_migrations,
            ${latestSampleJson(sql`f.service`, sql`f.environment`, stateSince)} as latest_sample`
          : sql``
      }
    from ops.deployments f
    left join lateral (
      select d.* from ops.deployments d
      where d.service = f.service and d.environment = f.environment and (d.deployed_at, d.id) < (f.deployed_at, f.id)
        and d.status = 'success' and d.health_check_passed and not d.quarantined
        -- Rolling back to the build being rolled back, or to the one already live, changes nothing: a restored
        -- deployment's predecessor is usually the very same version and commit.
        and not (d.version = f.version and d.git_commit = f.git_commit)
        and not exists (
          select 1 from (
            select l.version, l.git_commit from ops.deployments l
            where l.service = f.service and l.environment = f.environment and l.status <> 'rolled_back'
            order by l.deployed_at desc, l.id desc limit 1
          ) live where live.version = d.version and live.git_commit = d.git_commit)
      order by d.deployed_at desc, d.id desc limit 1
    ) t on true
    where f.deployment_id = ${fromId}`;
}

/** The JSON columns of storedFactsQuery, as they come back from the driver. */
export interface StoredFactsColumns {
  from_row: Record<string, unknown>;
  target_row: Record<string, unknown> | null;
  migrations: Array<Record<string, unknown>>;
  other_rollbacks: string[];
  in_progress: Array<{ deployment_id: string; version: string }>;
  applied_migrations?: Array<{ name: string; hash: string }>;
  latest_sample?: Record<string, unknown> | null;
}

export function parseStoredFacts(row: StoredFactsColumns): StoredFacts {
  return {
    from: rowFromJson(deployments, row.from_row),
    target: row.target_row ? rowFromJson(deployments, row.target_row) : null,
    migrations: row.migrations.map((m) => {
      const r = rowFromJson(migrationHistory, m);
      return { deploymentId: r.deploymentId, migrationName: r.migrationName, migrationHash: r.migrationHash, reversibility: r.reversibility, rollbackScript: r.rollbackScript, appliedAt: r.appliedAt };
    }),
    otherRollbacks: row.other_rollbacks,
    deploymentsInProgress: row.in_progress,
    ...(row.applied_migrations
      ? { state: { migrations: row.applied_migrations, latest: row.latest_sample ? rowFromJson(healthSamples, row.latest_sample) : null } }
      : {}),
  };
}

/** The facts about rolling back `fromId`, read on their own (with the state since `stateSince`, if given); null when there is no such deployment. */
export async function readStoredFacts(q: Queryable, fromId: string, exceptEventId: string, stateSince?: Date): Promise<StoredFacts | null> {
  const { rows } = await q.execute<StoredFactsColumns & Record<string, unknown>>(storedFactsQuery(fromId, exceptEventId, stateSince));
  return rows[0] ? parseStoredFacts(rows[0]) : null;
}

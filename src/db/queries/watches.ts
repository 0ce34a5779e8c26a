import { and, eq, isNotNull, isNull, sql } from 'drizzle-orm';
import type { Queryable } from '../client.ts';
import { rowFromJson } from '../row-from-json.ts';
import { deployments, healthSamples } from '../schema/index.ts';
import { latestSampleJson } from './health-samples.ts';
import { appliedMigrationsJson } from './migrations.ts';
import type { WatchedDeployment } from '../../monitor/types.ts';
import type { ServiceState } from '../../deployments/take-snapshot.ts';

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

/** Where a page of watched deployments ends: the next page starts after it. */
export interface WatchCursor {
  watchEndsAt: Date;
  id: number;
}

/**
 * One page of the deployments under watch, in (watch_ends_at, id) order after `after` (keyset paging through the
 * partial index), so a tick holds one page in memory however large the fleet.
 */
export async function findWatchedPage(q: Queryable, after: WatchCursor | null, limit: number): Promise<{ page: WatchedDeployment[]; next: WatchCursor | null }> {
  const rows = await q.execute<Row & { id: string; watch_ends_at: string }>(sql`
    select id, watch_ends_at, deployment_id, service, environment, version, deployed_at, rollback_from from ops.deployments
    where watch_ends_at is not null and watch_result is null
      and (watch_ends_at, id) > (${after?.watchEndsAt ?? new Date(0)}::timestamptz, ${after?.id ?? 0})
    order by watch_ends_at, id limit ${limit}`);
  const last = rows.rows[rows.rows.length - 1];
  return { page: rows.rows.map(toWatched), next: last && rows.rows.length === limit ? { watchEndsAt: new Date(last.watch_ends_at), id: Number(last.id) } : null };
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

/** A watch that ended this tick; a healthy one carries the state its post-deployment snapshot records. */
export interface EndedWatch {
  deploymentId: string;
  service: string;
  environment: string;
  version: string;
  gitCommit: string;
  result: string;
  migrations: Array<{ name: string; hash: string }>;
  latest: ServiceState['latest'];
}

type EndedRow = {
  deployment_id: string;
  service: string;
  environment: string;
  version: string;
  git_commit: string;
  watch_result: string;
  migrations: Array<{ name: string; hash: string }> | null;
  latest: Record<string, unknown> | null;
};

/**
 * Ends, in one statement, the watch of every deployment whose window has passed, whatever their number: healthy
 * (judged on data fresher than `staleAfterMs`, nothing in breach) → success with health_check_passed and a
 * watch_passed decision; unhealthy or inconclusive ones stay as CI left them. For the healthy ones it also reads
 * what their snapshot records (the service's applied migrations, its newest sample since `sampleSince`), so the
 * end of a thousand watches costs this statement and one insert, not a round of queries each. Rows another process
 * is ending are skipped, not waited for.
 */
export async function endDueWatches(
  q: Queryable,
  input: { now: Date; staleAfterMs: number; sampleSince: Date; passedSummary: string },
): Promise<EndedWatch[]> {
  const fresh = `${input.staleAfterMs} milliseconds`;
  const now = input.now;
  const rows = await q.execute<EndedRow>(sql`
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
    ),
    ended as (
      update ops.deployments d set
        watch_result = due.result,
        status = case when due.result = 'healthy' and d.status in ('pending', 'in_progress', 'success') then 'success'::ops.deployment_status else d.status end,
        health_check_passed = case when due.result = 'healthy' then true else d.health_check_passed end,
        completed_at = case when due.result = 'healthy' then coalesce(d.completed_at, ${now}) else d.completed_at end
      from due where d.deployment_id = due.deployment_id
      returning d.deployment_id, d.service, d.environment, d.version, d.git_commit, d.watch_result
    ),
    passed as (
      insert into ops.health_decisions (deployment_id, service, environment, action, summary, evidence)
      select deployment_id, service, environment, 'watch_passed', ${input.passedSummary}, '{}'::jsonb from ended where watch_result = 'healthy'
    ),
    -- What the snapshots record is the service's state, the same for every deployment of one service and
    -- environment: read once per pair, by the same reads as a single snapshot (appliedMigrationsJson,
    -- latestSampleJson, which readServiceState reads).
    pairs as (select distinct service, environment from ended where watch_result = 'healthy'),
    state as (
      select p.service, p.environment,
        ${appliedMigrationsJson(sql`p.service`, sql`p.environment`)} as migrations,
        ${latestSampleJson(sql`p.service`, sql`p.environment`, input.sampleSince)} as latest
      from pairs p
    )
    select e.*, st.migrations, st.latest
    from ended e left join state st on e.watch_result = 'healthy' and st.service = e.service and st.environment = e.environment`);
  return rows.rows.map((r) => ({
    deploymentId: r.deployment_id,
    service: r.service,
    environment: r.environment,
    version: r.version,
    gitCommit: r.git_commit,
    result: r.watch_result,
    migrations: r.migrations ?? [],
    latest: r.latest ? rowFromJson(healthSamples, r.latest) : null,
  }));
}

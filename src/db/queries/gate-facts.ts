import { sql, type SQL } from 'drizzle-orm';
import type { Queryable } from '../client.ts';
import { ACTIVE_ROLLBACK_STATUSES } from '../schema/index.ts';

/** Everything the gate reads from the database for one service, environment and version (or none: no quarantine, no pass), as of `now`. */
export interface GateFacts {
  manual: Array<{ freeze_id: string; reason: string; set_by: string; starts_at: string; ends_at: string }>;
  rollbacks: Array<{ event_id: string; status: string; from_version: string; target_version: string | null; target_commit: string | null; initiated_at: string }>;
  holds: Array<{ id: number; reason: string; event_id: string | null; created_at: string }>;
  alerts: Array<{ fingerprint: string; alertname: string | null; summary: string | null; starts_at: string }>;
  /** The deployment that quarantined this version (or this very build, by commit), when it was rolled back before. */
  quarantined_by: string | null;
  /** The newest deployment that passed its watch and was never rolled back: what a rollback would restore. */
  known_good: { deployment_id: string; version: string; git_commit: string } | null;
  /** A granted, unused, unexpired pass for this very version. */
  pass: { pass_id: string; reason: string; requested_by: string; granted_by: string; expires_at: string } | null;
}

/** One commit written at two lengths (CI often sends 7 hex digits, GitHub 40): the same when one begins the other. */
const SAME_COMMIT = (a: SQL, b: SQL) => sql`(least(length(${a}), length(${b})) >= 7 and left(${a}, least(length(${a}), length(${b}))) = left(${b}, least(length(${a}), length(${b}))))`;

const ACTIVE = sql.raw(ACTIVE_ROLLBACK_STATUSES.map((s) => `'${s}'`).join(', '));

/**
 * One statement, so asking the gate costs one round trip: CI asks before every deploy, GitHub for every protected
 * job. Each part reads through an index on (service, environment): the open freezes, holds and alerts are partial
 * indexes, and an environment's deployments are a short range of deployments_service_env_time_idx.
 */
export async function readGateFacts(q: Queryable, at: { service: string; environment: string; version: string | null; commit?: string | null; now: Date }): Promise<GateFacts> {
  const { service, environment, version, now } = at;
  const commit = at.commit?.toLowerCase() ?? null;
  const result = await q.execute<{ facts: GateFacts }>(sql`
    select json_build_object(
      'manual', coalesce((
        select json_agg(json_build_object('freeze_id', f.freeze_id, 'reason', f.reason, 'set_by', coalesce(f.set_by_name, f.set_by),
          'starts_at', f.starts_at, 'ends_at', f.ends_at) order by f.ends_at, f.freeze_id)
        from ops.freezes f
        where f.service = ${service} and f.environment = ${environment} and f.lifted_at is null
          and f.ends_at > ${now} and f.starts_at <= ${now}), '[]'),
      'rollbacks', coalesce((
        select json_agg(json_build_object('event_id', r.event_id, 'status', r.status, 'from_version', d.version,
          'target_version', t.version, 'target_commit', t.git_commit, 'initiated_at', r.initiated_at) order by r.initiated_at)
        from ops.rollback_events r
        join ops.deployments d on d.deployment_id = r.deployment_id
        left join ops.deployments t on t.deployment_id = r.target_deployment_id
        where r.service = ${service} and r.environment = ${environment} and r.status in (${ACTIVE})), '[]'),
      'holds', coalesce((
        select json_agg(json_build_object('id', h.id, 'reason', h.reason, 'event_id', h.event_id, 'created_at', h.created_at) order by h.id)
        from ops.automation_holds h
        where h.service = ${service} and h.environment = ${environment} and h.acknowledged_at is null), '[]'),
      'alerts', coalesce((
        select json_agg(json_build_object('fingerprint', a.fingerprint, 'alertname', a.alertname, 'summary', a.summary,
          'starts_at', a.starts_at) order by a.starts_at, a.fingerprint)
        from ops.firing_alerts a
        where a.service = ${service} and a.environment = ${environment} and a.resolved_at is null), '[]'),
      'quarantined_by', (
        select q.deployment_id from ops.deployments q
        where q.service = ${service} and q.environment = ${environment} and q.quarantined
          and (q.version = ${version} or (${commit}::text is not null and ${SAME_COMMIT(sql`lower(q.git_commit)`, sql`${commit}::text`)}))
        order by q.deployed_at desc limit 1),
      'known_good', (
        select json_build_object('deployment_id', k.deployment_id, 'version', k.version, 'git_commit', k.git_commit)
        from ops.deployments k
        where k.service = ${service} and k.environment = ${environment}
          and k.status = 'success' and k.health_check_passed and not k.quarantined
        order by k.deployed_at desc, k.id desc limit 1),
      'pass', (
        select json_build_object('pass_id', p.pass_id, 'reason', p.reason, 'requested_by', coalesce(p.requested_by_name, p.requested_by),
          'granted_by', coalesce(p.granted_by_name, p.granted_by), 'expires_at', p.expires_at)
        from ops.deploy_passes p
        where p.service = ${service} and p.environment = ${environment} and p.version = ${version}
          and p.used_at is null and p.granted_at is not null and p.expires_at > ${now}
        order by p.granted_at limit 1)
    ) as facts`);
  return result.rows[0]!.facts;
}

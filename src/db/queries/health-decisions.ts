import { and, eq, sql, type SQL } from 'drizzle-orm';
import type { Queryable } from '../client.ts';
import { healthDecisions } from '../schema/index.ts';

/** Every decision the monitor makes, whatever it was, is one row: the tick's, the watch's end, a recheck, an alert. */
export async function insertHealthDecision(q: Queryable, values: typeof healthDecisions.$inferInsert): Promise<number> {
  const [row] = await q.insert(healthDecisions).values(values).returning({ id: healthDecisions.id });
  return row!.id;
}

/**
 * The decision already taken on one firing of an alert (same fingerprint and start), if any: Alertmanager re-sends a
 * firing alert, and each firing is decided once.
 */
export async function getAlertDecision(q: Queryable, deploymentId: string, alert: { fingerprint: string; startsAt: string }): Promise<{ id: number } | null> {
  const [row] = await q
    .select({ id: healthDecisions.id })
    .from(healthDecisions)
    .where(and(eq(healthDecisions.deploymentId, deploymentId), sql`${healthDecisions.evidence}->'fired'->0->>'fingerprint' = ${alert.fingerprint}`, sql`${healthDecisions.evidence}->'fired'->0->>'starts_at' = ${alert.startsAt}`))
    .limit(1);
  return row ?? null;
}

export interface FiringAlert {
  alertname: string | null;
  fingerprint: string;
  starts_at: string;
  summary: string;
}

/** An alert as the decision that acted on it recorded it, with the decision's summary. */
export interface FiringAlertRow {
  alert: { alertname: string | null; fingerprint: string; starts_at: string; annotations?: Record<string, string> };
  summary: string;
}

/**
 * Alerts acted on for a deployment (whose id `deploymentId` gives: a value, or an expression over the enclosing
 * statement) whose resolution has not arrived, as a JSON array of FiringAlertRow.
 */
export function firingAlertsJson(deploymentId: SQL | string): SQL {
  return sql`coalesce((
    select json_agg(json_build_object('alert', d.evidence->'fired'->0, 'summary', d.summary)) from ops.health_decisions d
    where d.deployment_id = ${deploymentId} and d.evidence->'fired'->0->>'fingerprint' is not null
      and not exists (
        select 1 from ops.health_decisions r
        where r.deployment_id = d.deployment_id and r.action = 'alert_resolved'
          and r.evidence->>'fingerprint' = d.evidence->'fired'->0->>'fingerprint' and r.decided_at >= d.decided_at)), '[]')`;
}

export const firingAlertOf = (r: FiringAlertRow): FiringAlert => ({
  alertname: r.alert.alertname,
  fingerprint: r.alert.fingerprint,
  starts_at: r.alert.starts_at,
  summary: r.alert.annotations?.summary ?? r.summary,
});

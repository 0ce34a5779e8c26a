import { and, eq, sql } from 'drizzle-orm';
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

/** Alerts acted on for this deployment whose resolution has not arrived. */
export async function findFiringAlerts(q: Queryable, deploymentId: string): Promise<FiringAlert[]> {
  const rows = await q.execute<{ alert: { alertname: string | null; fingerprint: string; starts_at: string; annotations?: Record<string, string> }; summary: string }>(sql`
    select d.evidence->'fired'->0 as alert, d.summary from ops.health_decisions d
    where d.deployment_id = ${deploymentId} and d.evidence->'fired'->0->>'fingerprint' is not null
      and not exists (
        select 1 from ops.health_decisions r
        where r.deployment_id = d.deployment_id and r.action = 'alert_resolved'
          and r.evidence->>'fingerprint' = d.evidence->'fired'->0->>'fingerprint' and r.decided_at >= d.decided_at)`);
  return rows.rows.map((r) => ({ alertname: r.alert.alertname, fingerprint: r.alert.fingerprint, starts_at: r.alert.starts_at, summary: r.alert.annotations?.summary ?? r.summary }));
}

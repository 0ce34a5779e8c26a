import { and, eq, gt, isNotNull, isNull, sql } from 'drizzle-orm';
import type { Queryable } from '../client.ts';
import { ACTIVE_ROLLBACK_STATUSES, automationHolds, deployPasses, firingAlerts, freezes, rollbackEvents, type DeployPassRow, type FreezeRow } from '../schema/index.ts';

export async function insertFreeze(
  q: Queryable,
  f: { service: string; environment: string; reason: string; setBy: string; setByName: string | null; startsAt: Date; endsAt: Date },
): Promise<FreezeRow> {
  const [row] = await q.insert(freezes).values(f).returning();
  return row!;
}

export async function getFreeze(q: Queryable, freezeId: string): Promise<FreezeRow | null> {
  const [row] = await q.select().from(freezes).where(eq(freezes.freezeId, freezeId)).limit(1);
  return row ?? null;
}

/** Lifts a freeze that is still in force; null when it was lifted already (or ended), so two lifts record one. */
export async function liftFreezeRow(q: Queryable, freezeId: string, by: string, reason: string | null, at: Date): Promise<FreezeRow | null> {
  const [row] = await q
    .update(freezes)
    .set({ liftedAt: at, liftedBy: by, liftReason: reason })
    .where(and(eq(freezes.freezeId, freezeId), isNull(freezes.liftedAt), gt(freezes.endsAt, at)))
    .returning();
  return row ?? null;
}

/**
 * The services and environments that something other than the schedule freezes now: a freeze set by hand, an active
 * rollback, a hold or a firing alert. `/freeze list` asks the gate about each; the schedule it checks itself.
 */
export async function frozenPairs(q: Queryable, now: Date): Promise<Array<{ service: string; environment: string }>> {
  const active = sql.raw(ACTIVE_ROLLBACK_STATUSES.map((s) => `'${s}'`).join(', '));
  const result = await q.execute<{ service: string; environment: string }>(sql`
    select service, environment from ${freezes} where lifted_at is null and ends_at > ${now} and starts_at <= ${now}
    union select service, environment from ${rollbackEvents} where status in (${active})
    union select service, environment from ${automationHolds} where acknowledged_at is null
    union select service, environment from ${firingAlerts} where resolved_at is null
    order by 1, 2`);
  return result.rows;
}

export async function insertPass(
  q: Queryable,
  p: { service: string; environment: string; version: string; reason: string; requestedBy: string; requestedByName: string | null; requestedAt: Date; expiresAt: Date },
): Promise<DeployPassRow> {
  const [row] = await q.insert(deployPasses).values(p).returning();
  return row!;
}

export async function getPass(q: Queryable, passId: string): Promise<DeployPassRow | null> {
  const [row] = await q.select().from(deployPasses).where(eq(deployPasses.passId, passId)).limit(1);
  return row ?? null;
}

/** Grants a pass not yet granted, unused and unexpired; null otherwise (so a second grant is a conflict, not a change). */
export async function grantPassRow(q: Queryable, passId: string, by: string, byName: string | null, at: Date): Promise<DeployPassRow | null> {
  const [row] = await q
    .update(deployPasses)
    .set({ grantedBy: by, grantedByName: byName, grantedAt: at })
    .where(and(eq(deployPasses.passId, passId), isNull(deployPasses.grantedAt), isNull(deployPasses.usedAt), gt(deployPasses.expiresAt, at)))
    .returning();
  return row ?? null;
}

/** Spends a granted pass on the deployment CI recorded with it; false when another deployment spent it first. */
export async function spendPass(q: Queryable, passId: string, deploymentId: string, at: Date): Promise<boolean> {
  const rows = await q
    .update(deployPasses)
    .set({ usedAt: at, usedByDeployment: deploymentId })
    .where(and(eq(deployPasses.passId, passId), isNull(deployPasses.usedAt), isNotNull(deployPasses.grantedAt), gt(deployPasses.expiresAt, at)))
    .returning({ passId: deployPasses.passId });
  return rows.length > 0;
}

/** Alertmanager says an alert fires: it freezes its service and environment until it resolves. Re-sent alerts refresh last_seen_at. */
export async function recordFiringAlert(
  q: Queryable,
  a: { fingerprint: string; startsAt: Date; service: string; environment: string; alertname: string | null; summary: string | null; at: Date },
): Promise<void> {
  await q
    .insert(firingAlerts)
    .values({ fingerprint: a.fingerprint, startsAt: a.startsAt, service: a.service, environment: a.environment, alertname: a.alertname, summary: a.summary, lastSeenAt: a.at })
    .onConflictDoUpdate({ target: [firingAlerts.fingerprint, firingAlerts.startsAt], set: { lastSeenAt: a.at, summary: a.summary } });
}

/** Alertmanager says an alert resolved: every open row of its fingerprint ends (a resolve carries the same start). */
export async function resolveFiringAlert(q: Queryable, fingerprint: string, at: Date): Promise<void> {
  await q.update(firingAlerts).set({ resolvedAt: at }).where(and(eq(firingAlerts.fingerprint, fingerprint), isNull(firingAlerts.resolvedAt)));
}

import { and, eq, isNull } from 'drizzle-orm';
import type { Queryable } from '../client.ts';
import { automationHolds } from '../schema/index.ts';

/** The unacknowledged hold on automation for one service and environment, if any. */
export async function getOpenHold(q: Queryable, service: string, environment: string) {
  const [hold] = await q
    .select()
    .from(automationHolds)
    .where(and(eq(automationHolds.service, service), eq(automationHolds.environment, environment), isNull(automationHolds.acknowledgedAt)))
    .limit(1);
  return hold ?? null;
}

export async function insertHold(q: Queryable, hold: { service: string; environment: string; reason: string; eventId: string }): Promise<void> {
  await q.insert(automationHolds).values(hold);
}

/** Releases every open hold of one service and environment; returns the ids released. */
export async function acknowledgeHolds(q: Queryable, service: string, environment: string, by: string, at: Date): Promise<Array<{ id: number }>> {
  return q
    .update(automationHolds)
    .set({ acknowledgedBy: by, acknowledgedAt: at })
    .where(and(eq(automationHolds.service, service), eq(automationHolds.environment, environment), isNull(automationHolds.acknowledgedAt)))
    .returning({ id: automationHolds.id });
}

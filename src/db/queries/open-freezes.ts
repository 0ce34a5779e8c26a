import { and, asc, gt, isNull, lte, sql } from 'drizzle-orm';
import type { Queryable } from '../client.ts';
import { freezes, type FreezeRow } from '../schema/index.ts';

/** Freezes set by hand that hold deploys back now, soonest to end first, matching `text` in their id, names or reason. */
export async function searchOpenFreezes(q: Queryable, text: string, now: Date, limit: number): Promise<FreezeRow[]> {
  const needle = `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  return q
    .select()
    .from(freezes)
    .where(
      and(
        isNull(freezes.liftedAt),
        gt(freezes.endsAt, now),
        lte(freezes.startsAt, now),
        text ? sql`(${freezes.freezeId}::text ilike ${needle} or ${freezes.service} ilike ${needle} or ${freezes.environment} ilike ${needle} or ${freezes.reason} ilike ${needle})` : undefined,
      ),
    )
    .orderBy(asc(freezes.endsAt))
    .limit(limit);
}

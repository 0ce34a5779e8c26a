import type { Queryable } from '../../db/client.ts';
import { getOpeningDecision } from '../../db/queries/false-alarms.ts';
import type { RollbackEventRow } from '../../db/schema/index.ts';
import type { FalseAlarmMark } from './cards/false-alarm.ts';
import { turnedDown } from './cards/rollback-card.ts';

/**
 * What a rollback's card offers to mark as a false alarm: the monitor decision that proposed it, once people turned it
 * down. Read only then, so the cards of every other rollback cost no query; a rollback someone asked for by hand has
 * no such decision.
 */
export async function falseAlarmMarkFor(q: Queryable, event: RollbackEventRow): Promise<FalseAlarmMark | null> {
  if (!turnedDown(event) || event.triggerType === 'manual') return null;
  return getOpeningDecision(q, event.eventId);
}

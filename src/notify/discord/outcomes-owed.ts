import type { Queryable } from '../../db/client.ts';
import { findDiscordMessages } from '../../db/queries/discord-messages.ts';
import { findEscalations } from '../../db/queries/escalations.ts';
import { getEvent } from '../../db/queries/rollback-events.ts';
import type { DiscordMessageRow, HealthDecisionRow, RollbackEventRow } from '../../db/schema/index.ts';
import { CONSTITUTION_REFUSED } from '../../admission/request-rollback.ts';
import type { Outcome, OutcomeKind } from './cards/outcome.ts';

// Which announcements a rollback owes the channel, decided from its rows alone, so the live path and the delivery
// sweep owe (and say) the same. findEventsOwingOutcomes (db/queries/discord-messages.ts) is the same rule in SQL.

/** The final status's own announcement, if it has one; a person's reject or cancel needs none (they were there). */
export function finalOutcomeKind(event: RollbackEventRow): Exclude<OutcomeKind, 'escalated'> | null {
  if (event.status === 'succeeded' || event.status === 'failed' || event.status === 'expired') return event.status;
  // Refused at request (exactly CONSTITUTION_REFUSED) or by the worker's re-validation ("…: <violations>").
  if (event.status === 'rejected' && event.statusReason?.startsWith(CONSTITUTION_REFUSED)) return 'constitutional_violation';
  return null;
}

/** Everything the rollback announces, in the order it happened. */
export function outcomesOf(event: RollbackEventRow, escalations: HealthDecisionRow[]): Outcome[] {
  const timed: Array<[at: number, outcome: Outcome]> = escalations.map((escalation) => [
    escalation.decidedAt.getTime(),
    { kind: 'escalated', purpose: `outcome:escalated:${escalation.id}`, event, escalation },
  ]);
  const kind = finalOutcomeKind(event);
  if (kind) timed.push([event.completedAt?.getTime() ?? Infinity, { kind, purpose: `outcome:${kind}`, event }]);
  return timed.sort((a, b) => a[0] - b[0]).map(([, o]) => o);
}

function announced(outcome: Outcome, messages: DiscordMessageRow[]): boolean {
  return messages.some(
    (m) =>
      m.purpose === outcome.purpose ||
      // Before escalations had rows, each was posted as 'outcome:escalated': one posted after this one was decided
      // announced it (so an upgrade does not page twice).
      (outcome.escalation && m.purpose === 'outcome:escalated' && m.createdAt >= outcome.escalation.decidedAt),
  );
}

/** The announcements of one rollback that no message records yet. */
export async function findOwedOutcomes(q: Queryable, eventId: string): Promise<Outcome[]> {
  const event = await getEvent(q, eventId);
  if (!event) return [];
  const [escalations, messages] = await Promise.all([findEscalations(q, eventId), findDiscordMessages(q, eventId)]);
  return outcomesOf(event, escalations).filter((o) => !announced(o, messages));
}

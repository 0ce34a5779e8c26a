import { appendAudit, recordAudit } from '../audit/append-audit.ts';
import { getEventForUpdate, isFinal } from '../db/queries/rollback-events.ts';
import { markCancelled, markOverdueExpired } from '../db/queries/rollback-transitions.ts';
import type { RollbackEventRow } from '../db/schema/index.ts';
import { AppError } from '../errors/app-error.ts';
import { hasAnyRole, type Actor, type CoreDeps } from '../core/deps.ts';
import { noticeFor } from '../notify/notice-for.ts';
import { requireReason, requireUuid } from './validate-input.ts';

export type CancelOutcome =
  | { kind: 'cancelled'; event: RollbackEventRow }
  | { kind: 'too_late'; event: RollbackEventRow }
  | { kind: 'already_final'; event: RollbackEventRow };

const CANCELLABLE = ['requested', 'awaiting_approval', 'approved', 'queued'] as const;

// A rollback can be called off until the worker starts executing it; after that, only its outcome can be reported.
export async function cancelRollback(deps: CoreDeps, input: { eventId: string; actor: Actor; reason?: string }): Promise<CancelOutcome> {
  const eventId = requireUuid(input.eventId, 'event_id');
  const reason = input.reason === undefined ? 'cancelled' : requireReason(input.reason);
  const outcome = await deps.db.transaction(async (tx): Promise<CancelOutcome> => {
    const event = await getEventForUpdate(tx, eventId);
    if (!event) throw new AppError('NOT_FOUND', `rollback ${eventId} not found`);
    if (event.initiatedBy !== input.actor.id && !hasAnyRole(input.actor, 'approver', 'override')) {
      throw new AppError('FORBIDDEN', `${input.actor.id} may not cancel this rollback (needs to be its requester or an approver)`);
    }
    if (isFinal(event.status)) return { kind: 'already_final', event };
    if (!(CANCELLABLE as readonly string[]).includes(event.status)) return { kind: 'too_late', event };
    const now = deps.clock();
    const updated = await markCancelled(tx, eventId, `cancelled by ${input.actor.name ?? input.actor.id}: ${reason}`, now);
    await appendAudit(tx, { actor: input.actor.id, source: input.actor.source, action: 'rollback.cancel', subject: eventId, reason, result: 'cancelled' });
    return { kind: 'cancelled', event: updated };
  });
  if (outcome.kind === 'cancelled') {
    await deps.notifier.notify(noticeFor(outcome.event, 'cancelled', outcome.event.statusReason ?? 'cancelled'));
  }
  return outcome;
}

export const EXPIRED_REASON = 'approval window expired before enough people approved';
export const expiryNotice = (event: RollbackEventRow) => `Approval for the rollback of ${event.service} in ${event.environment} expired; on-call must decide`;

/** Approval requests past their deadline become expired (and page on-call); nothing ever auto-approves. */
export async function expireOverdue(deps: Pick<CoreDeps, 'db' | 'notifier' | 'clock'>): Promise<number> {
  const now = deps.clock();
  const expired = await markOverdueExpired(deps.db, EXPIRED_REASON, now);
  for (const event of expired) {
    await recordAudit(deps.db, { actor: 'backstop', source: 'system', action: 'rollback.expire', subject: event.eventId, result: 'expired', severity: 'warning' });
    await deps.notifier.notify(noticeFor(event, 'expired', expiryNotice(event)));
  }
  return expired.length;
}

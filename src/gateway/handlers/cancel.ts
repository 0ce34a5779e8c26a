import { cancelRollback } from '../../admission/cancel-rollback.ts';
import { requireReason, requireUuid } from '../../admission/validate-input.ts';
import type { Actor, CoreDeps } from '../../core/deps.ts';
import { userText } from '../../discord/text.ts';
import type { Reply } from './reply.ts';

/** `/rollback cancel`: calls off a rollback that has not started executing. It changes state, so it needs a deciding role. */
export async function cancelReply(deps: CoreDeps, actor: Actor, input: { eventId: unknown; reason: string | null }): Promise<Reply> {
  const eventId = requireUuid(input.eventId, 'event_id');
  const outcome = await cancelRollback(deps, { eventId, actor, ...(input.reason !== null ? { reason: requireReason(input.reason) } : {}) });
  switch (outcome.kind) {
    case 'cancelled':
      return { content: `⏹️ Cancelled the rollback of **${userText(outcome.event.service)}** in **${userText(outcome.event.environment)}**.` };
    case 'too_late':
      return { content: `Too late to cancel: the rollback is already ${outcome.event.status}. Its outcome will be posted.` };
    case 'already_final':
      return { content: `Nothing to cancel: the rollback already ended (${outcome.event.status}).` };
  }
}

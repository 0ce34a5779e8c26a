import { and, eq } from 'drizzle-orm';
import { rollbackEvents } from '../../db/schema/index.ts';
import { approvalsNeeded } from '../../admission/approval-state.ts';
import { decideRollback } from '../../admission/decide-rollback.ts';
import type { Actor, CoreDeps } from '../../core/deps.ts';
import { requestRollback } from '../../admission/request-rollback.ts';
import { requireReason, requireUuid } from '../../admission/validate-input.ts';
import { codeText, userText } from '../../discord/text.ts';
import type { Reply } from './reply.ts';
import { decisionReply } from './decide.ts';

/**
 * `/approve rollback`, as in the seed: adds the caller's approval to the pending rollback of that deployment, or,
 * when none is pending, requests one with the caller as requester (the card then asks the others).
 */
export async function approveRollback(deps: CoreDeps, actor: Actor, input: { deploymentId: unknown; reason: unknown; override: boolean }): Promise<Reply> {
  const deploymentId = requireUuid(input.deploymentId, 'deployment_id');
  const reason = requireReason(input.reason);
  const [pending] = await deps.db
    .select({ eventId: rollbackEvents.eventId })
    .from(rollbackEvents)
    .where(and(eq(rollbackEvents.deploymentId, deploymentId), eq(rollbackEvents.status, 'awaiting_approval')))
    .limit(1);
  if (pending) {
    const outcome = await decideRollback(deps, { eventId: pending.eventId, actor, decision: 'approve', reason, override: input.override });
    return decisionReply(outcome, 'approve');
  }

  const outcome = await requestRollback(deps, { deploymentId, reason, triggerType: 'manual', requester: actor, override: input.override });
  const where = deps.config.raw.discord?.channel_id ? ` The card is in <#${deps.config.raw.discord.channel_id}>.` : '';
  switch (outcome.kind) {
    case 'already_in_progress':
      return {
        content: `A rollback of **${userText(outcome.event.service)}** in **${userText(outcome.event.environment)}** is already ${outcome.event.status.replace('_', ' ')}: event \`${outcome.event.eventId}\`.`,
      };
    case 'rejected':
      return {
        content: `🚨 Rollback refused by the constitution (event \`${outcome.event.eventId}\`):\n${outcome.validation.violations.map((v) => `• ${userText(v)}`).join('\n') || userText(outcome.error)}`,
      };
    case 'admitted': {
      const { event } = outcome;
      if (event.status === 'approved') {
        return { content: `✅ Rollback approved by you and queued: **${userText(event.service)}** → \`${codeText(outcome.target.version)}\` (event \`${event.eventId}\`).${where}` };
      }
      return {
        content: `📝 Rollback requested: **${userText(event.service)}** in **${userText(event.environment)}** → \`${codeText(outcome.target.version)}\` (event \`${event.eventId}\`). It needs ${approvalsNeeded(event)} approval${approvalsNeeded(event) === 1 ? '' : 's'}${event.requesterCounts ? ', and yours counts' : ' from people other than you'}.${where}`,
      };
    }
  }
}

import { ActionRowBuilder, ModalBuilder, TextInputBuilder, TextInputStyle } from 'discord.js';
import { REASON_MAX } from '../../../commands/limits.ts';
import { describeApprovals } from '../../admission/approval-policy.ts';
import type { DecisionOutcome } from '../../admission/decide-rollback.ts';
import { customId } from '../../discord/custom-ids.ts';
import { userText } from '../../discord/text.ts';
import type { Reply } from './reply.ts';

/** One wording for a vote, whether it came from the slash command or the card's modal. */
export function decisionReply(outcome: DecisionOutcome, decision: 'approve' | 'reject'): Reply {
  switch (outcome.kind) {
    case 'already_resolved':
      return { content: `This rollback is already ${outcome.event.status.replace('_', ' ')}: ${userText(outcome.by)}.` };
    case 'refused':
      return { content: `⚠️ Not recorded: ${userText(outcome.message)}.` };
    case 'recorded': {
      const changed = outcome.planChanged ? ' The plan changed since earlier approvals, so only approvals of the new plan count.' : '';
      const verb = decision === 'approve' ? '✅ Approval recorded' : '🚫 Rejection recorded';
      const next = outcome.event.status === 'approved' ? ' The rollback is approved and queued.' : outcome.event.status === 'rejected' ? ' The rollback will not run.' : '';
      return { content: `${verb}: ${userText(describeApprovals(outcome.approval))}.${next}${changed}` };
    }
  }
}

/** The card's Approve / Reject buttons ask for the reason in this modal; its submission carries the decision. */
export function reasonModal(decision: 'approve' | 'reject', eventId: string): ModalBuilder {
  return new ModalBuilder()
    .setCustomId(customId.decideModal(decision, eventId))
    .setTitle(decision === 'approve' ? 'Approve rollback' : 'Reject rollback')
    .addComponents(
      new ActionRowBuilder<TextInputBuilder>().addComponents(
        new TextInputBuilder().setCustomId('reason').setLabel('Reason (recorded in the audit log)').setStyle(TextInputStyle.Paragraph).setRequired(true).setMinLength(1).setMaxLength(REASON_MAX),
      ),
    );
}

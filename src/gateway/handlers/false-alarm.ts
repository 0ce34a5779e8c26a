import { ActionRowBuilder, ModalBuilder, TextInputBuilder, TextInputStyle } from 'discord.js';
import { REASON_MAX } from '../../../commands/limits.ts';
import type { Actor, CoreDeps } from '../../core/deps.ts';
import { getFalseAlarm } from '../../db/queries/false-alarms.ts';
import { codeText, userText } from '../../discord/text.ts';
import { customId } from '../../discord/custom-ids.ts';
import { labelFalseAlarm } from '../../monitor/label-false-alarm.ts';
import { standingWords } from '../../monitor/rule-precision.ts';
import { labelWords } from '../../notify/discord/cards/false-alarm.ts';
import type { Reply } from './reply.ts';

/** The False alarm button asks why in this modal; the reason is optional, and stored when given. */
export function falseAlarmModal(decisionId: number): ModalBuilder {
  return new ModalBuilder()
    .setCustomId(customId.falseAlarmModal(decisionId))
    .setTitle('Mark as a false alarm')
    .addComponents(
      new ActionRowBuilder<TextInputBuilder>().addComponents(
        new TextInputBuilder().setCustomId('reason').setLabel('Why was it a false alarm? (optional)').setStyle(TextInputStyle.Paragraph).setRequired(false).setMaxLength(REASON_MAX),
      ),
    );
}

/**
 * Before the modal opens: a decision already marked says by whom, rather than asking for a reason that cannot count.
 * Plain text: the dispatcher makes it inert for Discord.
 */
export async function alreadyMarked(deps: CoreDeps, decisionId: number): Promise<string | null> {
  const label = await getFalseAlarm(deps.db, decisionId);
  if (!label) return null;
  const at = label.labelledAt.toISOString().slice(0, 16).replace('T', ' ');
  return `This decision was already marked as a false alarm by ${label.labelledByName ?? label.labelledBy} (${at} UTC)${label.reason ? `: ${label.reason}` : ''}. It counts once.`;
}

/** The modal's submission: the label, and what it did to each rule's precision. */
export async function falseAlarmReply(deps: CoreDeps, actor: Actor, input: { decisionId: number; reason: string }): Promise<Reply> {
  const reason = input.reason.trim() === '' ? null : input.reason;
  const outcome = await labelFalseAlarm(deps, actor, { decisionId: input.decisionId, reason });
  if (outcome.kind === 'already') return { content: `This decision was already ${labelWords(outcome.label)}. It counts once.` };
  const where = `**${userText(outcome.label.service)}** in **${userText(outcome.label.environment)}**`;
  const rules = outcome.standings.map((s) => `• \`${codeText(s.rule)}\`: ${standingWords(s)}${outcome.demoted.includes(s) ? ' → **now proposes instead of rolling back automatically**' : ''}`);
  return { content: `🏷️ Marked decision ${outcome.label.decisionId} on ${where} as a false alarm.\n${rules.join('\n')}` };
}

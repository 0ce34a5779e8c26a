import { ButtonStyle, ComponentType, type APIButtonComponent, type APIEmbed, type APIEmbedField } from 'discord.js';
import type { FalseAlarmRow } from '../../../db/schema/index.ts';
import { customId } from '../../../discord/custom-ids.ts';
import { fitEmbeds } from '../../../discord/limits.ts';
import { codeText, relativeTime, userText } from '../../../discord/text.ts';
import { standingWords } from '../../../monitor/rule-precision.ts';
import { COLOR } from './colors.ts';
import type { MessageBody } from './rollback-card.ts';

/** The decision a card can mark as a false alarm, and its label once someone has. */
export interface FalseAlarmMark {
  decisionId: number;
  label: FalseAlarmRow | null;
}

/** Open until someone marks the decision; then it stays, disabled, as the record that someone did. */
export function falseAlarmButton(mark: FalseAlarmMark): APIButtonComponent {
  return {
    type: ComponentType.Button,
    style: ButtonStyle.Secondary,
    label: mark.label ? 'Marked false alarm' : 'False alarm',
    custom_id: customId.falseAlarm(mark.decisionId),
    disabled: mark.label !== null,
  };
}

const by = (label: FalseAlarmRow) => userText(label.labelledByName ?? label.labelledBy);

/** Who marked it, when, and why: the same words on the card and in the reply to a second click. */
export function labelWords(label: FalseAlarmRow): string {
  return `marked as a false alarm by **${by(label)}** ${relativeTime(label.labelledAt)}${label.reason ? `: ${userText(label.reason)}` : ''}`;
}

export const falseAlarmField = (label: FalseAlarmRow): APIEmbedField => ({ name: 'False alarm', value: `🏷️ ${labelWords(label)}` });

/**
 * The channel's notice that automatic rules now only propose, rendered from the label that pushed them below the
 * policy, so the live post and the delivery sweep's re-send read the same.
 */
export function demotionMessage(label: FalseAlarmRow): MessageBody {
  const where = `**${userText(label.service)}** in **${userText(label.environment)}**`;
  const lines = (label.demoted ?? []).map(
    (d) =>
      `\`${codeText(d.rule)}\` on ${where} now **proposes a rollback instead of rolling back automatically**: its ` +
      `${standingWords({ decisions: d.decisions, falseAlarms: d.false_alarms, precision: d.precision })} is below the policy's ${d.demote_below}.`,
  );
  const embed: APIEmbed = {
    title: '📉 Automatic rollback demoted to a proposal',
    description: lines.join('\n'),
    color: COLOR.pending,
    fields: [
      { name: 'Last false alarm', value: `Decision ${label.decisionId} ${labelWords(label)}` },
      { name: 'Until', value: 'Its next firings need an approver. It rolls back by itself again once its precision is back at the threshold (decisions that were not false alarms), or when monitoring.false_alarms changes.' },
    ],
    footer: { text: `decision ${label.decisionId}` },
  };
  return { embeds: fitEmbeds([embed]), components: [], allowed_mentions: { parse: [] } };
}

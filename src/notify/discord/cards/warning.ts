import { ComponentType, type APIEmbed } from 'discord.js';
import type { HealthNotice } from '../../notifier.ts';
import { fitEmbeds } from '../../../discord/limits.ts';
import { shortId, userText } from '../../../discord/text.ts';
import { COLOR } from './colors.ts';
import { falseAlarmButton } from './false-alarm.ts';
import { evidenceLabel } from './format.ts';
import type { MessageBody } from './rollback-card.ts';

/**
 * A health warning (the ladder's "warn", or a trigger held back): what was seen, against what, and why no rollback.
 * An approver who knows better marks it a false alarm, which counts against the rules that fired.
 */
export function warningMessage(notice: HealthNotice): MessageBody {
  const evidence = notice.evidence.map((e) => evidenceLabel(e)).filter((x): x is string => Boolean(x));
  const embed: APIEmbed = {
    title: '⚠️ Health warning',
    description: `**${userText(notice.service)}** in **${userText(notice.environment)}** · deployment \`${shortId(notice.deploymentId)}\`\n${userText(notice.summary)}`,
    color: COLOR.pending,
    ...(evidence.length ? { fields: [{ name: 'Evidence', value: evidence.join('\n') }] } : {}),
    footer: { text: `deployment ${notice.deploymentId} · decision ${notice.decisionId}` },
  };
  const buttons = { type: ComponentType.ActionRow as const, components: [falseAlarmButton({ decisionId: notice.decisionId, label: null })] };
  return { embeds: fitEmbeds([embed]), components: [buttons], allowed_mentions: { parse: [] } };
}

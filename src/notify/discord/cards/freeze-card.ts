import { ButtonStyle, ComponentType, type APIEmbed, type APIEmbedField } from 'discord.js';
import type { FreezeCardState, FreezeRow } from '../../../db/schema/index.ts';
import { customId } from '../../../discord/custom-ids.ts';
import { fitEmbeds } from '../../../discord/limits.ts';
import { relativeTime, userText } from '../../../discord/text.ts';
import { COLOR } from './colors.ts';
import type { MessageBody } from './rollback-card.ts';

/** Where a freeze set by hand stands now. findFreezeCardsBehind (db/queries/freeze-messages.ts) says the same in SQL. */
export function freezeCardState(freeze: FreezeRow, now: Date): FreezeCardState {
  if (freeze.liftedAt) return 'lifted';
  return freeze.endsAt.getTime() <= now.getTime() ? 'ended' : 'active';
}

const TITLE: Record<FreezeCardState, string> = {
  active: '🧊 DEPLOYS FROZEN',
  lifted: '🟢 FREEZE LIFTED',
  ended: '⌛ FREEZE ENDED',
};

// A Discord timestamp shows in each reader's own time zone: the full date, then "in 2 hours".
const when = (d: Date) => `<t:${Math.floor(d.getTime() / 1000)}:f> (${relativeTime(d)})`;

/**
 * The one message a freeze set by hand lives in, edited in place when it is lifted or ends. Rendered from the row
 * alone, so the api, the worker's sweep and the gateway render the same card.
 */
export function freezeCard(freeze: FreezeRow, now: Date): MessageBody {
  const state = freezeCardState(freeze, now);
  const active = state === 'active';
  const fields: APIEmbedField[] = [
    { name: 'Service', value: userText(freeze.service), inline: true },
    { name: 'Environment', value: userText(freeze.environment), inline: true },
    { name: 'Set by', value: userText(freeze.setByName ?? freeze.setBy), inline: true },
    { name: 'Reason', value: userText(freeze.reason) },
    { name: active ? 'Ends' : 'Was to end', value: when(freeze.endsAt), inline: true },
  ];
  if (freeze.liftedAt) {
    fields.push({ name: 'Lifted', value: `by ${userText(freeze.liftedBy ?? 'someone')} ${when(freeze.liftedAt)}${freeze.liftReason ? `: ${userText(freeze.liftReason)}` : ''}` });
  } else if (state === 'ended') {
    fields.push({ name: 'Ended', value: `by itself ${when(freeze.endsAt)}`, inline: true });
  }
  const embed: APIEmbed = {
    title: TITLE[state],
    description: active
      ? `Forward deploys of **${userText(freeze.service)}** to **${userText(freeze.environment)}** are refused by the gate. Rollbacks to the known-good version still go through.`
      : `**${userText(freeze.service)}** in **${userText(freeze.environment)}**: this freeze no longer holds deploys back.`,
    color: active ? COLOR.running : COLOR.neutral,
    fields,
    footer: { text: `freeze ${freeze.freezeId}` },
    timestamp: freeze.startsAt.toISOString(),
  };
  return {
    embeds: fitEmbeds([embed]),
    components: [
      {
        type: ComponentType.ActionRow,
        components: [
          { type: ComponentType.Button, style: ButtonStyle.Success, label: 'Unfreeze', custom_id: customId.unfreeze(freeze.freezeId), disabled: !active },
          { type: ComponentType.Button, style: ButtonStyle.Secondary, label: 'Let one deploy through', custom_id: customId.letThrough(freeze.freezeId), disabled: !active },
        ],
      },
    ],
    allowed_mentions: { parse: [] },
  };
}

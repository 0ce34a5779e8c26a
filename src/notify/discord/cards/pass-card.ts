import { ButtonStyle, ComponentType, type APIEmbed, type APIEmbedField } from 'discord.js';
import type { DeployPassRow, PassCardState } from '../../../db/schema/index.ts';
import { customId } from '../../../discord/custom-ids.ts';
import { fitEmbeds } from '../../../discord/limits.ts';
import { codeText, relativeTime, userText } from '../../../discord/text.ts';
import { COLOR } from './colors.ts';
import type { MessageBody } from './rollback-card.ts';

/** Where a pass stands now. findFreezeCardsBehind (db/queries/freeze-messages.ts) says the same in SQL. */
export function passCardState(pass: DeployPassRow, now: Date): PassCardState {
  if (pass.usedAt) return 'used';
  if (pass.expiresAt.getTime() <= now.getTime()) return 'expired';
  return pass.grantedAt ? 'granted' : 'requested';
}

const TITLE: Record<PassCardState, string> = {
  requested: '🎫 ONE DEPLOY THROUGH THE FREEZE: needs a second person',
  granted: '✅ PASS GRANTED',
  used: '🚀 PASS USED',
  expired: '⌛ PASS EXPIRED',
};

const version = (v: string) => `\`${codeText(v)}\``;

function whatNow(pass: DeployPassRow, state: PassCardState): string {
  const what = `${version(pass.version)} of **${userText(pass.service)}** to **${userText(pass.environment)}**`;
  switch (state) {
    case 'requested':
      return `Asks to deploy ${what} through every freeze, once. An approver other than the one who asked grants it with **Grant**; unanswered, it lapses ${relativeTime(pass.expiresAt)}.`;
    case 'granted':
      return `The gate lets ${what} through once, until ${relativeTime(pass.expiresAt)}.`;
    case 'used':
      return `${what} was deployed with it; the freezes hold every other deploy.`;
    case 'expired':
      return `${what} was not let through: the pass lapsed unused.`;
  }
}

/**
 * The message a pass through freezes lives in: posted when someone with the override role asks, with the Grant button
 * the second person clicks, edited when it is granted, used or lapses. Rendered from the row alone.
 */
export function passCard(pass: DeployPassRow, now: Date): MessageBody {
  const state = passCardState(pass, now);
  const fields: APIEmbedField[] = [
    { name: 'Version', value: version(pass.version), inline: true },
    { name: 'Asked by', value: userText(pass.requestedByName ?? pass.requestedBy), inline: true },
    { name: 'Reason', value: userText(pass.reason) },
  ];
  if (pass.grantedAt) fields.push({ name: 'Granted by', value: `${userText(pass.grantedByName ?? pass.grantedBy ?? 'someone')} ${relativeTime(pass.grantedAt)}`, inline: true });
  const embed: APIEmbed = {
    title: TITLE[state],
    description: whatNow(pass, state),
    color: state === 'requested' ? COLOR.pending : state === 'expired' ? COLOR.neutral : COLOR.success,
    fields,
    footer: { text: `pass ${pass.passId}` },
    timestamp: pass.requestedAt.toISOString(),
  };
  return {
    embeds: fitEmbeds([embed]),
    components: [
      {
        type: ComponentType.ActionRow,
        components: [{ type: ComponentType.Button, style: ButtonStyle.Success, label: 'Grant', custom_id: customId.grantPass(pass.passId), disabled: state !== 'requested' }],
      },
    ],
    allowed_mentions: { parse: [] },
  };
}

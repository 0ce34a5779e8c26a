import type { APIEmbed } from 'discord.js';
import type { Notice } from '../../notify/notifier.ts';
import type { ValidationResult } from '../../constitution/types.ts';
import { fitEmbeds } from '../limits.ts';
import { userText } from '../text.ts';
import { COLOR } from './colors.ts';
import type { MessageBody } from './rollback-card.ts';

// The seed's alerts that stand on their own (the card is edited in place, and an edit never notifies anyone):
// completed, failed, constitutional violation, and an approval window that ran out.
export const OUTCOME_KINDS = ['succeeded', 'failed', 'constitutional_violation', 'expired', 'escalated'] as const;
export type OutcomeKind = (typeof OUTCOME_KINDS)[number];
export const isOutcome = (kind: string): kind is OutcomeKind => (OUTCOME_KINDS as readonly string[]).includes(kind);

const TITLE: Record<OutcomeKind, string> = {
  succeeded: '✅ Rollback completed successfully',
  failed: '❌ Rollback failed: requires manual intervention',
  constitutional_violation: '🚨 Constitutional violation: rollback rejected',
  expired: '⌛ Rollback approval expired: on-call must decide',
  escalated: '🚨 Escalated: automation needs a person',
};

/** Pages the on-call role (the only mention backstop ever makes) when a person must act now. */
export function outcomeMessage(notice: Notice & { kind: OutcomeKind }, oncallRoleId: string | undefined, cardUrl?: string): MessageBody {
  const page = oncallRoleId && notice.kind !== 'succeeded';
  const validation = (notice.details?.validation ?? null) as ValidationResult | null;
  const lines = [`**${userText(notice.service)}** in **${userText(notice.environment)}**`, userText(notice.summary)];
  if (notice.kind === 'constitutional_violation' && validation?.violations.length) {
    lines.push(validation.violations.map((v) => `• ${userText(v)}`).join('\n'));
  }
  if (cardUrl) lines.push(`[Rollback card](${cardUrl})`);
  const embed: APIEmbed = {
    title: TITLE[notice.kind],
    description: lines.join('\n'),
    color: notice.kind === 'succeeded' ? COLOR.success : notice.kind === 'expired' ? COLOR.pending : COLOR.failure,
    footer: { text: `event ${notice.eventId}` },
  };
  return {
    ...(page ? { content: `<@&${oncallRoleId}>` } : {}),
    embeds: fitEmbeds([embed]),
    components: [],
    allowed_mentions: page ? { parse: [], roles: [oncallRoleId] } : { parse: [] },
  };
}

import type { APIEmbed } from 'discord.js';
import type { HealthDecisionRow, RollbackEventRow } from '../../../db/schema/index.ts';
import { fitEmbeds } from '../../../discord/limits.ts';
import { codeText, userText } from '../../../discord/text.ts';
import { COLOR } from './colors.ts';
import type { MessageBody } from './rollback-card.ts';

// The seed's alerts that stand on their own (the card is edited in place, and an edit never notifies anyone):
// completed, failed, constitutional violation, an approval window that ran out, and an escalation to on-call.
export const OUTCOME_KINDS = ['succeeded', 'failed', 'constitutional_violation', 'expired', 'escalated'] as const;
export type OutcomeKind = (typeof OUTCOME_KINDS)[number];
export const isOutcome = (kind: string): kind is OutcomeKind => (OUTCOME_KINDS as readonly string[]).includes(kind);

/** One announcement a rollback owes the channel, as the rows record it (see outcomes-owed.ts). */
export interface Outcome {
  kind: OutcomeKind;
  /** The discord_messages purpose that records it was posted: one per final status, one per escalation. */
  purpose: string;
  event: RollbackEventRow;
  /** The decision that paged on-call; only for 'escalated'. */
  escalation?: HealthDecisionRow;
}

const TITLE: Record<OutcomeKind, string> = {
  succeeded: '✅ Rollback completed successfully',
  failed: '❌ Rollback failed: requires manual intervention',
  constitutional_violation: '🚨 Constitutional violation: rollback rejected',
  expired: '⌛ Rollback approval expired: on-call must decide',
  escalated: '🚨 Escalated: automation needs a person',
};
const ESCALATION_TITLE: Record<string, string> = {
  circuit_breaker_open: '🚨 Circuit breaker open: a person must approve this rollback',
  recheck_failed: '🚨 Rollback did not restore health: automation paused',
};

const version = (v: string) => `\`${codeText(v)}\``;

/** What happened, in the words of the rows: the same sentence whichever process or path delivers it. */
function whatHappened({ kind, event, escalation }: Outcome): string[] {
  const plan = event.rollbackPlan;
  const validation = event.constitutionalValidation;
  const reason = event.statusReason ? [userText(event.statusReason)] : [];
  switch (kind) {
    case 'succeeded':
      return [`Rolled back to ${plan?.target ? version(plan.target.version) : 'the known-good version'} and verified healthy.`, ...reason.map((r) => `⚠️ ${r}`)];
    case 'failed':
      return reason.length ? reason : ['The rollback failed.'];
    case 'expired':
      return [...(reason.length ? reason : ['The approval window expired.']), 'Nothing was rolled back.'];
    case 'constitutional_violation':
      return validation?.violations.length
        ? ['Refused by the constitution:', ...validation.violations.map((v) => `• ${userText(v)}`)]
        : reason.length ? reason : ['Refused by the constitution.'];
    case 'escalated': {
      const lines = [userText(escalation?.summary ?? 'A person must act.')];
      if (escalation?.action === 'recheck_failed') {
        lines.push(`Automatic rollbacks of **${userText(event.service)}** in **${userText(event.environment)}** are paused until someone acknowledges: \`backstop automation ack ${codeText(event.service)} ${codeText(event.environment)}\``);
      }
      return lines;
    }
  }
}

/**
 * The one renderer of every outcome message, live or re-sent by the delivery sweep: the rows in, the message out.
 * Pages the on-call role (the only mention backstop ever makes) when a person must act now.
 */
export function outcomeMessage(outcome: Outcome, opts: { oncallRoleId?: string | undefined; cardUrl?: string | undefined }): MessageBody {
  const { kind, event, escalation } = outcome;
  const plan = event.rollbackPlan;
  const versions = plan ? ` · ${version(plan.from.version)} → ${plan.target ? version(plan.target.version) : 'no target'}` : '';
  const lines = [`**${userText(event.service)}** in **${userText(event.environment)}**${versions}`, ...whatHappened(outcome)];
  if (opts.cardUrl) lines.push(`[Rollback card](${opts.cardUrl})`);
  const page = opts.oncallRoleId && kind !== 'succeeded' ? opts.oncallRoleId : undefined;
  const embed: APIEmbed = {
    title: (escalation && ESCALATION_TITLE[escalation.action]) ?? TITLE[kind],
    description: lines.join('\n'),
    color: kind === 'succeeded' ? COLOR.success : kind === 'expired' ? COLOR.pending : COLOR.failure,
    footer: { text: `event ${event.eventId}` },
  };
  return {
    ...(page ? { content: `<@&${page}>` } : {}),
    embeds: fitEmbeds([embed]),
    components: [],
    allowed_mentions: page ? { parse: [], roles: [page] } : { parse: [] },
  };
}

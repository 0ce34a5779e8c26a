import { ButtonStyle, ComponentType, type APIActionRowComponent, type APIButtonComponent, type APIEmbed, type APIEmbedField } from 'discord.js';
import { approvalStateOf } from '../../../admission/approval-state.ts';
import { describeApprovals } from '../../../admission/approval-policy.ts';
import type { ApprovalRow, RollbackEventRow } from '../../../db/schema/index.ts';
import { isFinal } from '../../../db/queries/rollback-events.ts';
import { customId } from '../../../discord/custom-ids.ts';
import { fitEmbeds, fitLines, LIMITS } from '../../../discord/limits.ts';
import { relativeTime, userText } from '../../../discord/text.ts';
import { STATUS_ICON, statusColor } from './colors.ts';
import { falseAlarmButton, falseAlarmField, type FalseAlarmMark } from './false-alarm.ts';
import { constitutionLabel, deploymentLabel, evidenceLabel, targetLabel, triggerLabel } from './format.ts';
import { progressLabel } from './progress.ts';
import { voteLines } from './votes.ts';

export interface RollbackCardInput {
  event: RollbackEventRow;
  votes: ApprovalRow[];
  now: Date;
  /** The executor's latest output line, shown under the steps while it runs. */
  liveLine?: string;
  /** The monitor decision that proposed it, once people turned it down (see falseAlarmMarkFor). */
  falseAlarm?: FalseAlarmMark | null;
}

type Verdict = Pick<RollbackEventRow, 'status' | 'constitutionalValidation' | 'overrideRequested'>;
const refusedByConstitution = (event: Verdict) => Boolean(event.constitutionalValidation && !event.constitutionalValidation.compliant && !event.overrideRequested);

/** A proposal people turned down (rejected, or a countdown cancelled) may have been a false alarm; one the constitution refused says nothing either way. */
export const turnedDown = (event: Verdict) => (event.status === 'rejected' && !refusedByConstitution(event)) || event.status === 'cancelled';

export interface MessageBody {
  content?: string;
  embeds: APIEmbed[];
  components: APIActionRowComponent<APIButtonComponent>[];
  allowed_mentions: { parse: []; roles?: string[] };
  /** Message flags; SUPPRESS_NOTIFICATIONS (4096) posts without a push notification. */
  flags?: number;
}

function headline(event: RollbackEventRow): string {
  switch (event.status) {
    case 'requested':
    case 'awaiting_approval':
      return event.triggerType === 'manual' ? 'ROLLBACK REQUESTED' : 'ROLLBACK PROPOSED';
    case 'approved':
    case 'queued':
      return 'ROLLBACK INITIATED';
    case 'running':
    case 'verifying':
      return 'ROLLBACK IN PROGRESS';
    case 'succeeded':
      return 'ROLLBACK COMPLETE';
    case 'failed':
      return 'ROLLBACK FAILED';
    case 'rejected':
      return refusedByConstitution(event) ? 'CONSTITUTIONAL VIOLATION' : 'ROLLBACK REJECTED';
    case 'expired':
      return 'ROLLBACK EXPIRED';
    case 'cancelled':
      return 'ROLLBACK CANCELLED';
  }
}

/**
 * The one message a rollback lives in, from proposal to outcome: the seed's ROLLBACK INITIATED alert, the approval
 * state, and the progress, edited in place. Rendered from the stored rows alone, so any process renders the same card.
 */
export function rollbackCard(input: RollbackCardInput): MessageBody {
  const { event, votes, now } = input;
  const plan = event.rollbackPlan;
  const validation = event.constitutionalValidation;
  const meta = event.metadata ?? {};
  const approval = approvalStateOf(event, votes, now);
  const awaiting = event.status === 'awaiting_approval';

  const by = event.initiatedBy ? ` by ${userText(meta.requester_name ?? event.initiatedBy)}` : '';
  const fields: APIEmbedField[] = [
    { name: 'Deployment', value: plan ? deploymentLabel(plan.from) : `\`${event.deploymentId}\``, inline: true },
    { name: 'Environment', value: userText(event.environment), inline: true },
    { name: 'Target', value: targetLabel(plan?.target), inline: true },
    { name: 'Reason', value: userText(event.triggerReason) },
    { name: 'Trigger', value: `${triggerLabel(event.triggerType)}${by}`, inline: true },
    { name: 'Constitutional Status', value: constitutionLabel(validation), inline: true },
  ];
  const evidence = evidenceLabel(event.triggerData);
  if (evidence) fields.push({ name: 'Evidence', value: evidence });

  if (event.approvalsRequired > 0) {
    const autoAt = event.metadata?.auto_at;
    const expiry = !awaiting
      ? ''
      : autoAt
        ? `\nRolls back automatically ${relativeTime(new Date(autoAt))} unless an approver rejects it`
        : event.expiresAt
          ? `\nExpires ${relativeTime(event.expiresAt)}`
          : '';
    // Who decided and why under the count: the reasons are what a second approver at 3 a.m. needs to read.
    const head = `${userText(describeApprovals(approval))}${expiry}`;
    const why = votes.length ? `\n${fitLines(voteLines(votes, event.planHash), LIMITS.fieldValue - head.length - 1)}` : '';
    fields.push({ name: 'Approvals', value: `${head}${why}` });
  }
  if (!awaiting && !['rejected', 'expired', 'cancelled', 'requested'].includes(event.status)) {
    // The executor's last line only means something while it runs; the final card shows the outcome instead.
    const live = event.status === 'running' || event.status === 'verifying' ? input.liveLine : undefined;
    fields.push({ name: 'Progress', value: progressLabel(event, now, live) });
  }
  if (event.statusReason && isFinal(event.status)) {
    fields.push({ name: 'Outcome', value: userText(event.statusReason) });
  }
  const falseAlarm = turnedDown(event) ? input.falseAlarm : null;
  if (falseAlarm?.label) fields.push(falseAlarmField(falseAlarm.label));

  const embed: APIEmbed = {
    title: `${STATUS_ICON[event.status]} ${headline(event)}`,
    description: `**${userText(event.service)}** in **${userText(event.environment)}**`,
    color: statusColor(event.status),
    fields,
    // The decision's id is what `backstop decision false-alarm` and the API take.
    footer: { text: `event ${event.eventId}${plan ? ` · policy ${plan.policy_version}` : ''}${falseAlarm ? ` · decision ${falseAlarm.decisionId}` : ''}` },
    timestamp: event.initiatedAt.toISOString(),
  };
  return {
    embeds: fitEmbeds([embed]),
    components: [cardButtons(event.eventId, awaiting, falseAlarm)],
    allowed_mentions: { parse: [] },
  };
}

/** Approve and Reject only while the rollback awaits approval; Details always; False alarm once a proposal is turned down. */
function cardButtons(eventId: string, open: boolean, falseAlarm: FalseAlarmMark | null | undefined): APIActionRowComponent<APIButtonComponent> {
  return {
    type: ComponentType.ActionRow,
    components: [
      { type: ComponentType.Button, style: ButtonStyle.Success, label: 'Approve', custom_id: customId.approve(eventId), disabled: !open },
      { type: ComponentType.Button, style: ButtonStyle.Danger, label: 'Reject', custom_id: customId.reject(eventId), disabled: !open },
      { type: ComponentType.Button, style: ButtonStyle.Secondary, label: 'Details', custom_id: customId.details(eventId) },
      ...(falseAlarm ? [falseAlarmButton(falseAlarm)] : []),
    ],
  };
}

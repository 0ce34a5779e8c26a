import type { APIEmbed } from 'discord.js';
import type { ApprovalRow, RollbackEventRow } from '../../../db/schema/index.ts';
import { fitEmbeds, fitLines, LIMITS, type FitLine } from '../../../discord/limits.ts';
import { codeText, relativeTime, shortId, truncate, userText } from '../../../discord/text.ts';
import { COLOR, STATUS_ICON } from './colors.ts';
import { voteLines } from './votes.ts';

export interface HistoryPageInput {
  /** The page's rollbacks, newest first. */
  events: RollbackEventRow[];
  /** Every vote on those rollbacks (any order within an event is kept as given). */
  votes: ApprovalRow[];
  pageNo: number;
  /** "service payments, status failed"; '' without filters. */
  filters: string;
  /** Past the first page, an empty page means "no more" rather than "none yet". */
  offset: number;
}

const TRIGGER_REASON_MAX = 150;

/** The rollback's headline, bold as Discord shows field names: its status, where, and from which version to which. */
function entryName(e: RollbackEventRow): string {
  const plan = e.rollbackPlan;
  const versions = plan ? ` · \`${codeText(plan.from.version)}\` → \`${codeText(plan.target?.version ?? 'none')}\`` : '';
  return truncate(`${STATUS_ICON[e.status]} ${userText(e.service)} · ${userText(e.environment)}${versions} · ${e.status}`, LIMITS.fieldName);
}

/** When and why it was asked for, who decided and why, and how it ended when no vote says so. */
function entryLines(e: RollbackEventRow, votes: ApprovalRow[]): FitLine[] {
  const who = e.initiatedBy ? (e.metadata?.requester_name ?? e.initiatedBy) : 'backstop';
  const lines: FitLine[] = [
    { fixed: `${relativeTime(e.initiatedAt)} · ${e.triggerType} by ${userText(who)} · \`${shortId(e.eventId)}\``, text: '' },
    { fixed: '> ', text: truncate(userText(e.triggerReason), TRIGGER_REASON_MAX) },
    ...voteLines(votes, e.planHash),
  ];
  // A reject vote already says who rejected and why; every other end (cancelled, failed, expired, refused by the
  // constitution) is told by the event's own reason.
  const saidByVote = e.status === 'rejected' && votes.some((v) => v.decision === 'reject');
  if (e.statusReason && !saidByVote) lines.push({ fixed: 'Outcome: ', text: userText(e.statusReason) });
  return lines;
}

/**
 * The embed of one `/rollback history` page: a field per rollback saying what it was, who asked, who approved or
 * rejected it and why, and how it ended. Each rollback gets an equal share of the message's 6000 characters, so a
 * long reason on one cannot push the others off the page.
 */
export function historyEmbed(input: HistoryPageInput): APIEmbed {
  const title = 'Rollback history';
  const footer = `page ${input.pageNo}${input.filters ? ` · ${input.filters}` : ''}`;
  if (input.events.length === 0) {
    return { title, description: input.offset > 0 ? 'No more rollbacks.' : 'No rollbacks yet.', color: COLOR.neutral, footer: { text: footer } };
  }
  const byEvent = new Map<string, ApprovalRow[]>();
  for (const v of input.votes) byEvent.set(v.eventId, [...(byEvent.get(v.eventId) ?? []), v]);
  const names = input.events.map(entryName);
  const room = LIMITS.total - title.length - footer.length - names.reduce((n, name) => n + name.length, 0);
  const share = Math.min(LIMITS.fieldValue, Math.floor(room / input.events.length));
  const fields = input.events.map((e, i) => ({ name: names[i]!, value: fitLines(entryLines(e, byEvent.get(e.eventId) ?? []), share) }));
  return fitEmbeds([{ title, color: COLOR.neutral, fields, footer: { text: footer } }])[0]!;
}

import type { APIEmbed, APIEmbedField } from 'discord.js';
import { UNANSWERED_AFTER_ATTEMPTS, type GithubCardState, type GithubProtectionRequestRow } from '../../../db/schema/index.ts';
import { fitEmbeds } from '../../../discord/limits.ts';
import { codeText, relativeTime, userText } from '../../../discord/text.ts';
import { workflowRunUrl } from '../../../github/workflow-run-url.ts';
import { COLOR } from './colors.ts';
import type { MessageBody } from './rollback-card.ts';

type GithubRequest = Pick<
  GithubProtectionRequestRow,
  'requestId' | 'repository' | 'githubEnvironment' | 'service' | 'environment' | 'version' | 'sha' | 'callbackUrl' | 'state' | 'reasons' | 'commentedAt' | 'answeredAt' | 'attempts' | 'lastError' | 'receivedAt'
>;

/**
 * Whether a GitHub deployment gets a card: the gate held it (it waited, on freezes or on GitHub), or GitHub would not
 * take the answer, which nobody would see otherwise. One approved or rejected at once needs no one's eyes.
 * findFreezeCardsBehind (db/queries/freeze-messages.ts) says the same in SQL.
 */
export function deservesGithubCard(r: Pick<GithubRequest, 'state' | 'commentedAt' | 'attempts'>): boolean {
  return r.state === 'waiting' || r.state === 'failed' || r.commentedAt !== null || r.attempts > 1;
}

/** Where a GitHub deployment stands on its card. findFreezeCardsBehind says the same in SQL. */
export function githubCardState(r: Pick<GithubRequest, 'state' | 'attempts' | 'lastError'>): GithubCardState {
  if (r.state === 'approved' || r.state === 'rejected' || r.state === 'failed') return r.state;
  return r.lastError !== null && r.attempts >= UNANSWERED_AFTER_ATTEMPTS ? 'unanswered' : 'waiting';
}

const TITLE: Record<GithubCardState, string> = {
  waiting: '⏸️ GITHUB DEPLOYMENT HELD',
  unanswered: '⚠️ GITHUB DEPLOYMENT HELD: GitHub is not answering',
  approved: '🚀 GITHUB DEPLOYMENT WENT AHEAD',
  rejected: '🚫 GITHUB DEPLOYMENT REJECTED',
  failed: '❌ GITHUB WOULD NOT TAKE THE ANSWER',
};

const COLOR_OF: Record<GithubCardState, number> = { waiting: COLOR.pending, unanswered: COLOR.failure, approved: COLOR.success, rejected: COLOR.failure, failed: COLOR.failure };

const when = (d: Date) => `<t:${Math.floor(d.getTime() / 1000)}:f> (${relativeTime(d)})`;
const bullets = (lines: string[]) => lines.filter((l) => l.trim()).map((l) => `• ${userText(l)}`).join('\n');

/** The line that says how it ended, or why it is still open. */
function outcomeLine(r: GithubRequest, state: GithubCardState): string {
  const error = userText(r.lastError ?? 'no reason given');
  switch (state) {
    case 'waiting':
      // Held by GitHub itself so far: its answer failed once or twice, and the next tick tries again.
      if (r.lastError) return `GitHub did not take the answer yet: ${error}; backstop tries again next tick.`;
      return 'GitHub has the reasons; backstop tells it to go ahead as soon as the freezes lift.';
    case 'unanswered':
      return `GitHub is not answering: ${error}; backstop retries every tick.`;
    case 'approved':
      return r.answeredAt ? `GitHub was told to go ahead at ${when(r.answeredAt)}.` : 'GitHub was told to go ahead.';
    case 'rejected':
      return `Rejected${r.answeredAt ? ` at ${when(r.answeredAt)}` : ''}:\n${bullets(r.reasons)}`;
    case 'failed':
      return `GitHub would not take the answer: ${error}`;
  }
}

/**
 * The one message a GitHub deployment the gate held lives in: what it deploys, where to see its run, why it waits,
 * and how it ended. Rendered from the request's row alone, so any process renders the same card; no buttons, since a
 * pass through the freezes is asked for on the freeze card.
 */
export function githubCard(r: GithubRequest): MessageBody {
  const state = githubCardState(r);
  const run = workflowRunUrl(r.callbackUrl);
  const fields: APIEmbedField[] = [
    { name: 'GitHub', value: `${userText(r.repository)} · ${userText(r.githubEnvironment)}`, inline: true },
    { name: 'backstop', value: r.service && r.environment ? `${userText(r.service)} · ${userText(r.environment)}` : 'not mapped to a service', inline: true },
    { name: 'Commit', value: `\`${codeText((r.sha ?? r.version).slice(0, 7))}\``, inline: true },
  ];
  if (run) fields.push({ name: 'Workflow run', value: `[open the run on GitHub](${run})`, inline: true });
  if ((state === 'waiting' || state === 'unanswered') && r.reasons.length) fields.push({ name: 'Held because', value: bullets(r.reasons) });
  fields.push({ name: state === 'waiting' || state === 'unanswered' ? 'Now' : 'Outcome', value: outcomeLine(r, state) });
  const embed: APIEmbed = {
    title: TITLE[state],
    ...(run ? { url: run } : {}),
    color: COLOR_OF[state],
    fields,
    footer: { text: `github deployment ${r.requestId}` },
    timestamp: r.receivedAt.toISOString(),
  };
  return { embeds: fitEmbeds([embed]), components: [], allowed_mentions: { parse: [] } };
}

import type { APIEmbed } from 'discord.js';
import { findVotes, getEvent } from '../../db/queries/rollback-events.ts';
import { AppError } from '../../errors/app-error.ts';
import { cancelRollback } from '../../admission/cancel-rollback.ts';
import { checkDeployment } from '../../views/check-deployment.ts';
import type { Actor, CoreDeps } from '../../core/deps.ts';
import { previewPlan } from '../../views/preview-plan.ts';
import { requireReason, requireUuid } from '../../admission/validate-input.ts';
import { COLOR } from '../../notify/discord/cards/colors.ts';
import { constitutionLabel, deploymentLabel, durationLabel, targetLabel } from '../../notify/discord/cards/format.ts';
import { rollbackCard } from '../../notify/discord/cards/rollback-card.ts';
import { fitEmbeds } from '../../discord/limits.ts';
import { codeText, userText } from '../../discord/text.ts';
import type { Reply } from './reply.ts';

const num = (v: number | null, unit = '') => (v === null ? 'no data' : `${v}${unit}`);

/** `/rollback check`: the deployment's health from the one assessment (the same the monitor and the card use). */
export async function checkReply(deps: CoreDeps, deploymentId: unknown): Promise<Reply> {
  const result = await checkDeployment(deps, requireUuid(deploymentId, 'deployment_id'));
  const h = result.health;
  const embed: APIEmbed = {
    title: result.should_rollback ? '🔴 Should roll back' : h.healthy === null ? '⚪ Inconclusive' : h.healthy ? '🟢 Healthy' : '🟠 Degraded',
    description: userText(result.reason),
    color: result.should_rollback ? COLOR.failure : h.healthy === null ? COLOR.neutral : COLOR.success,
    fields: [
      { name: 'Error rate', value: num(h.error_rate_per_minute, '/min'), inline: true },
      { name: 'Recent errors', value: num(h.recent_errors), inline: true },
      { name: 'DB connections', value: num(h.database_connections, '%'), inline: true },
      { name: 'Sampled', value: h.timestamp ?? 'never', inline: true },
    ],
  };
  return { embeds: fitEmbeds([embed]) };
}

/** `/rollback plan`: the target, the migrations to revert, the laws' verdicts and who must approve. */
export async function planReply(deps: CoreDeps, deploymentId: unknown): Promise<Reply> {
  const { plan, validation, approvals, health } = await previewPlan(deps, requireUuid(deploymentId, 'deployment_id'));
  const migrations = plan.migrations.length
    ? plan.migrations.map((m) => `• \`${codeText(m.migration_name)}\` · ${m.reversibility}${m.has_rollback_script ? '' : ' · **no rollback script**'}`).join('\n')
    : 'none';
  const laws = validation.laws.map((l) => `${l.verdict === 'pass' ? '✅' : l.verdict === 'warn' ? '⚠️' : '❌'} ${userText(l.title)}`).join('\n');
  const roles = deps.config.raw.discord?.roles;
  const who = `${approvals.required} approver${approvals.required === 1 ? '' : 's'}${approvals.requesterCounts ? ' (the requester counts)' : ' other than the requester'}` +
    (roles?.approver.length ? ` with ${roles.approver.map((r) => `<@&${r}>`).join(' or ')}` : '');
  const embed: APIEmbed = {
    title: `Rollback plan: ${userText(plan.service)} in ${userText(plan.environment)}`,
    color: validation.compliant ? COLOR.success : COLOR.failure,
    fields: [
      { name: 'From', value: deploymentLabel(plan.from), inline: true },
      { name: 'Target', value: targetLabel(plan.target), inline: true },
      { name: 'Health', value: userText(health.summary) },
      { name: 'Migrations to revert', value: migrations },
      { name: 'Laws', value: laws || 'none' },
      { name: 'Constitutional Status', value: constitutionLabel(validation) },
      { name: 'Who must approve', value: `${who}, within ${durationLabel(approvals.expiresAfterMs)}` },
    ],
    footer: { text: `policy ${plan.policy_version}` },
  };
  return { embeds: fitEmbeds([embed]) };
}

/** `/rollback status` and the card's Details button: the card as it stands, with the steps. */
export async function statusReply(deps: CoreDeps, eventId: unknown): Promise<Reply> {
  const id = requireUuid(eventId, 'event_id');
  const event = await getEvent(deps.db, id);
  if (!event) throw new AppError('NOT_FOUND', `rollback ${id} not found`);
  const votes = await findVotes(deps.db, id);
  const card = rollbackCard({ event, votes, now: deps.clock() });
  const decided = votes.map((v) => `${v.decision === 'approve' ? '✅' : '🚫'} ${userText(v.approverName ?? v.approver)} (${v.source}): ${userText(v.reason)}`);
  const embeds = decided.length ? [...card.embeds, { title: 'Decisions', description: decided.join('\n'), color: COLOR.neutral }] : card.embeds;
  return { embeds: fitEmbeds(embeds) };
}

export async function cancelReply(deps: CoreDeps, actor: Actor, input: { eventId: unknown; reason: string | null }): Promise<Reply> {
  const eventId = requireUuid(input.eventId, 'event_id');
  const outcome = await cancelRollback(deps, { eventId, actor, ...(input.reason !== null ? { reason: requireReason(input.reason) } : {}) });
  switch (outcome.kind) {
    case 'cancelled':
      return { content: `⏹️ Cancelled the rollback of **${userText(outcome.event.service)}** in **${userText(outcome.event.environment)}**.` };
    case 'too_late':
      return { content: `Too late to cancel: the rollback is already ${outcome.event.status}. Its outcome will be posted.` };
    case 'already_final':
      return { content: `Nothing to cancel: the rollback already ended (${outcome.event.status}).` };
  }
}

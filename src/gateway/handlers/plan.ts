import type { APIEmbed } from 'discord.js';
import type { CoreDeps } from '../../core/deps.ts';
import { requireUuid } from '../../admission/validate-input.ts';
import { previewPlan } from '../../views/preview-plan.ts';
import { COLOR } from '../../notify/discord/cards/colors.ts';
import { constitutionLabel, deploymentLabel, durationLabel, targetLabel } from '../../notify/discord/cards/format.ts';
import { fitEmbeds } from '../../discord/limits.ts';
import { codeText, userText } from '../../discord/text.ts';
import type { Reply } from './reply.ts';

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

import type { APIEmbed } from 'discord.js';
import type { CoreDeps } from '../../core/deps.ts';
import { requireUuid } from '../../admission/validate-input.ts';
import { checkDeployment } from '../../views/check-deployment.ts';
import { COLOR } from '../../notify/discord/cards/colors.ts';
import { fitEmbeds } from '../../discord/limits.ts';
import { userText } from '../../discord/text.ts';
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

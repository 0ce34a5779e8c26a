import type { CoreDeps } from '../../core/deps.ts';
import { listFreezes } from '../../freeze/list-freezes.ts';
import { freezeListEmbed } from '../../notify/discord/cards/freeze-list.ts';
import type { Reply } from './reply.ts';

/** `/freeze list`: what the gate would hold back now, read through the same judgment as a deploy question. */
export async function freezeListReply(deps: CoreDeps, input: { service: string | null; environment: string | null }): Promise<Reply> {
  const filter = { ...(input.service ? { service: input.service } : {}), ...(input.environment ? { environment: input.environment } : {}) };
  const pairs = await listFreezes(deps, filter);
  const filters = [filter.service && `service ${filter.service}`, filter.environment && `environment ${filter.environment}`].filter(Boolean).join(', ');
  return { embeds: [freezeListEmbed(pairs, filters)] };
}

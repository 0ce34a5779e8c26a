import { requireReason, requireUuid } from '../../admission/validate-input.ts';
import type { Actor, CoreDeps } from '../../core/deps.ts';
import { liftFreeze } from '../../freeze/set-freeze.ts';
import { userText } from '../../discord/text.ts';
import type { Reply } from './reply.ts';

/** `/freeze lift` and the card's Unfreeze button: lifting changes what may deploy, so it takes a deciding role. */
export async function freezeLiftReply(deps: CoreDeps, actor: Actor, input: { freezeId: unknown; reason: string | null }): Promise<Reply> {
  const freezeId = requireUuid(input.freezeId, 'freeze_id');
  const reason = input.reason === null ? null : requireReason(input.reason);
  const freeze = await liftFreeze(deps, actor, freezeId, reason);
  return { content: `🟢 Lifted the freeze on **${userText(freeze.service)}** in **${userText(freeze.environment)}**. Other freezes, if any, still hold: \`/freeze list\` shows them.` };
}

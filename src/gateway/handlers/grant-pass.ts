import { requireUuid } from '../../admission/validate-input.ts';
import type { Actor, CoreDeps } from '../../core/deps.ts';
import { grantPass } from '../../freeze/deploy-pass.ts';
import { codeText, relativeTime, userText } from '../../discord/text.ts';
import type { Reply } from './reply.ts';

/** The pass message's Grant button: the second person's half of letting one deploy through (grantPass refuses the asker). */
export async function grantPassReply(deps: CoreDeps, actor: Actor, passId: unknown): Promise<Reply> {
  const pass = await grantPass(deps, actor, requireUuid(passId, 'pass_id'));
  return {
    content: `✅ Granted: \`${codeText(pass.version)}\` of **${userText(pass.service)}** may deploy to **${userText(pass.environment)}** once, until ${relativeTime(pass.expiresAt)}.`,
  };
}

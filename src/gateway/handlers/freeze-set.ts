import type { Actor, CoreDeps } from '../../core/deps.ts';
import { AppError } from '../../errors/app-error.ts';
import { parseFreezeDuration } from '../../freeze/freeze-duration.ts';
import { setFreeze } from '../../freeze/set-freeze.ts';
import { relativeTime, userText } from '../../discord/text.ts';
import type { Reply } from './reply.ts';

/** `/freeze set`: stops forward deploys of one service in one environment; the card with its buttons goes to the channel. */
export async function freezeSetReply(deps: CoreDeps, actor: Actor, input: { service: string; environment: string; duration: string; reason: string }): Promise<Reply> {
  const durationMs = parseFreezeDuration(input.duration);
  if (durationMs === undefined) {
    throw new AppError('VALIDATION_FAILED', `duration: expected a duration such as 30m, 2h or 3d (at most 30d), got "${input.duration.slice(0, 40)}"`);
  }
  const freeze = await setFreeze(deps, actor, { service: input.service, environment: input.environment, durationMs, reason: input.reason });
  const channel = deps.config.raw.discord?.channel_id;
  const where = channel ? ` The card, with Unfreeze and Let one deploy through, is in <#${channel}>.` : '';
  return {
    content:
      `🧊 Froze forward deploys of **${userText(freeze.service)}** to **${userText(freeze.environment)}** until <t:${Math.floor(freeze.endsAt.getTime() / 1000)}:f> (${relativeTime(freeze.endsAt)}). ` +
      `Rollbacks to the known-good version still go through. Freeze \`${freeze.freezeId}\`.${where}`,
  };
}

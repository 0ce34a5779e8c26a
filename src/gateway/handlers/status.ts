import { findVotes, getEvent } from '../../db/queries/rollback-events.ts';
import { AppError } from '../../errors/app-error.ts';
import type { CoreDeps } from '../../core/deps.ts';
import { requireUuid } from '../../admission/validate-input.ts';
import { COLOR } from '../../notify/discord/cards/colors.ts';
import { rollbackCard } from '../../notify/discord/cards/rollback-card.ts';
import { falseAlarmMarkFor } from '../../notify/discord/false-alarm-mark.ts';
import { fitEmbeds } from '../../discord/limits.ts';
import { userText } from '../../discord/text.ts';
import type { Reply } from './reply.ts';

/** `/rollback status` and the card's Details button: the card as it stands, with the steps. */
export async function statusReply(deps: CoreDeps, eventId: unknown): Promise<Reply> {
  const id = requireUuid(eventId, 'event_id');
  const event = await getEvent(deps.db, id);
  if (!event) throw new AppError('NOT_FOUND', `rollback ${id} not found`);
  const votes = await findVotes(deps.db, id);
  const card = rollbackCard({ event, votes, now: deps.clock(), falseAlarm: await falseAlarmMarkFor(deps.db, event) });
  const decided = votes.map((v) => `${v.decision === 'approve' ? '✅' : '🚫'} ${userText(v.approverName ?? v.approver)} (${v.source}): ${userText(v.reason)}`);
  const embeds = decided.length ? [...card.embeds, { title: 'Decisions', description: decided.join('\n'), color: COLOR.neutral }] : card.embeds;
  return { embeds: fitEmbeds(embeds) };
}

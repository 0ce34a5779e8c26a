import { DiscordAPIError } from '@discordjs/rest';
import { eq, and } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { findDiscordMessage, recordDiscordMessage } from '../db/queries/discord-messages.ts';
import { findVotes, getEvent } from '../db/queries/rollback-events.ts';
import { discordMessages } from '../db/schema/index.ts';
import type { Logger } from '../main/logger.ts';
import type { Notice, Notifier } from '../notify/notifier.ts';
import { isOutcome, outcomeMessage, type OutcomeKind } from './cards/outcome.ts';
import { rollbackCard, type MessageBody } from './cards/rollback-card.ts';
import { createCoalescer } from './coalescer.ts';
import { nonceFor } from './nonce.ts';
import type { DiscordChannelApi } from './rest.ts';
import { truncate, userText } from './text.ts';

export interface CardPublisherDeps {
  db: Db;
  api: DiscordChannelApi;
  channelId: string;
  guildId?: string | undefined;
  oncallRoleId?: string | undefined;
  logger: Logger;
  clock: () => Date;
  sleep: (ms: number) => Promise<void>;
  /** At most one edit per card this often (Discord's guidance; also keeps 20 live cards under the channel limit). */
  editIntervalMs?: number;
  /** Attempts per delivery on top of @discordjs/rest's own retries, with doubling waits from retryBaseMs. */
  attempts?: number;
  retryBaseMs?: number;
}

const UNKNOWN_MESSAGE = 10008;

export type DiscordNotifier = Notifier & { drain(): Promise<void> };

/**
 * Posts every rollback to the channel over REST with the bot token (never an interaction token, which dies after
 * 15 minutes): one card per rollback edited in place, and a separate message for each outcome that needs eyes.
 * Delivery is retried; a retried post carries the same nonce, and the message ids are kept in Postgres, so nothing
 * is posted twice, whichever process (gateway or worker) delivers it.
 */
export function createDiscordNotifier(deps: CardPublisherDeps): DiscordNotifier {
  const attempts = deps.attempts ?? 5;
  const retryBaseMs = deps.retryBaseMs ?? 1000;
  const liveLines = new Map<string, string>();
  const pending = new Set<Promise<void>>();

  async function withRetries(what: string, eventId: string, fn: () => Promise<void>): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await fn();
      } catch (err) {
        if (attempt >= attempts) {
          deps.logger.error({ err, eventId, attempt }, `discord ${what} failed; giving up until the next change`);
          return;
        }
        deps.logger.warn({ err, eventId, attempt }, `discord ${what} failed; retrying`);
        await deps.sleep(retryBaseMs * 2 ** (attempt - 1));
      }
    }
  }

  /** Edits the recorded message, or posts it (once, by nonce) and records it. */
  async function upsert(eventId: string, purpose: string, body: MessageBody, reposting = false): Promise<string> {
    const existing = await findDiscordMessage(deps.db, eventId, purpose);
    if (existing) {
      try {
        await deps.api.edit(existing.channelId, existing.messageId, body);
        return existing.messageId;
      } catch (err) {
        // Someone deleted the card: post a fresh one rather than go silent.
        if (reposting || !(err instanceof DiscordAPIError && err.code === UNKNOWN_MESSAGE)) throw err;
        await deps.db.delete(discordMessages).where(and(eq(discordMessages.eventId, eventId), eq(discordMessages.purpose, purpose)));
        return upsert(eventId, purpose, body, true);
      }
    }
    const posted = await deps.api.post(deps.channelId, { ...body, nonce: nonceFor(eventId, reposting ? `${purpose}:repost` : purpose) });
    const row = await recordDiscordMessage(deps.db, { eventId, purpose, channelId: deps.channelId, messageId: posted.id });
    return row.messageId;
  }

  const renderCard = async (eventId: string) => {
    await withRetries('card update', eventId, async () => {
      const event = await getEvent(deps.db, eventId);
      if (!event) return;
      const votes = await findVotes(deps.db, eventId);
      await upsert(eventId, 'card', rollbackCard({ event, votes, now: deps.clock(), liveLine: liveLines.get(eventId) }));
      if (['succeeded', 'failed', 'rejected', 'expired', 'cancelled'].includes(event.status)) liveLines.delete(eventId);
    });
  };
  const cards = createCoalescer(renderCard, deps.editIntervalMs ?? 1500);

  async function announce(notice: Notice & { kind: OutcomeKind }): Promise<void> {
    const purpose = `outcome:${notice.kind}`;
    await withRetries('outcome message', notice.eventId, async () => {
      if (await findDiscordMessage(deps.db, notice.eventId, purpose)) return;
      const card = await findDiscordMessage(deps.db, notice.eventId, 'card');
      const link = card && deps.guildId ? `https://discord.com/channels/${deps.guildId}/${card.channelId}/${card.messageId}` : undefined;
      const body = outcomeMessage(notice, deps.oncallRoleId, link);
      const posted = await deps.api.post(deps.channelId, { ...body, nonce: nonceFor(notice.eventId, purpose) });
      await recordDiscordMessage(deps.db, { eventId: notice.eventId, purpose, channelId: deps.channelId, messageId: posted.id });
    });
  }

  const track = (p: Promise<void>) => {
    pending.add(p);
    void p.finally(() => pending.delete(p));
  };

  return {
    // Never blocks the rollback: delivery runs in the background, coalesced, and retried.
    async notify(notice) {
      if (notice.kind === 'progress') liveLines.set(notice.eventId, truncate(userText(notice.summary), 200));
      track(cards.request(notice.eventId));
      if (isOutcome(notice.kind)) track(announce(notice as Notice & { kind: OutcomeKind }));
    },
    async drain() {
      while (pending.size) await Promise.all([...pending]);
      await cards.drain();
    },
  };
}

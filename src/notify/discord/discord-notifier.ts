import { DiscordAPIError } from '@discordjs/rest';
import type { Db } from '../../db/client.ts';
import { findFreezeCardsBehind, type CardSubject } from '../../db/queries/freeze-messages.ts';
import { deleteDiscordMessage, findCardsBehind, findDiscordMessage, findEventsOwingOutcomes, markRendered, recordDiscordMessage } from '../../db/queries/discord-messages.ts';
import { findVotes, getEvent, isFinal } from '../../db/queries/rollback-events.ts';
import { findDemotionsOwed, getFalseAlarm, markDemotionNoticed } from '../../db/queries/false-alarms.ts';
import type { Logger } from '../../logging/logger.ts';
import type { FreezeNotice, HealthNotice, Notifier } from '../notifier.ts';
import { warningMessage } from './cards/warning.ts';
import { CONSTITUTION_REFUSED } from '../../admission/request-rollback.ts';
import { isOutcome, outcomeMessage } from './cards/outcome.ts';
import { rollbackCard, type MessageBody } from './cards/rollback-card.ts';
import { createCoalescer } from './coalescer.ts';
import { createFreezeCards } from './freeze-cards.ts';
import { falseAlarmMarkFor } from './false-alarm-mark.ts';
import { demotionMessage } from './cards/false-alarm.ts';
import { nonceFor } from './nonce.ts';
import { findOwedOutcomes } from './outcomes-owed.ts';
import type { DiscordChannelApi } from '../../discord/rest.ts';
import { truncate, userText } from '../../discord/text.ts';

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
  /** Attempts per delivery on top of @discordjs/rest's own retries, with doubling waits from retryBaseMs; after
   * that, the delivery sweep takes over, so a long Discord outage delays messages but loses none. */
  attempts?: number;
  retryBaseMs?: number;
}

/** How far back the sweep looks, and how long it leaves fresh changes to the live path. */
const SWEEP_WINDOW_MS = 60 * 60_000;
const SWEEP_SETTLE_MS = 5_000;

const UNKNOWN_MESSAGE = 10008;

const SUBJECT_OF = {
  freeze_set: 'freeze',
  freeze_lifted: 'freeze',
  pass_requested: 'pass',
  pass_granted: 'pass',
  github_deployment: 'github',
} as const satisfies Record<FreezeNotice['kind'], CardSubject['kind']>;

export type DiscordNotifier = Notifier & {
  /**
   * Re-delivers what an outage left behind (cards that lag their rollback, outcomes never announced, freeze, pass and
   * GitHub deployment messages that lag their row, notices of rules demoted for false alarms), and edits the card of
   * every freeze that has ended by itself since the last sweep.
   */
  sweep(): Promise<{ cards: number; outcomes: number; freezes: number; demotions: number }>;
  drain(timeoutMs?: number): Promise<void>;
};

/**
 * Posts every rollback to the channel over REST with the bot token (never an interaction token, which dies after
 * 15 minutes): one card per rollback edited in place, and a separate message for each outcome that needs eyes.
 * Delivery is retried; a retried post carries the same nonce, and the message ids are kept in Postgres, so nothing
 * is posted twice, whichever process (gateway or worker) delivers it.
 */
export function createDiscordNotifier(deps: CardPublisherDeps): DiscordNotifier {
  const attempts = deps.attempts ?? 3;
  const retryBaseMs = deps.retryBaseMs ?? 1000;
  const liveLines = new Map<string, string>();
  const pending = new Set<Promise<void>>();

  /** `fields` name what is delivered, for the logs: `{ eventId }`, `{ freezeId }`. */
  async function withRetries(what: string, fields: Record<string, unknown>, fn: () => Promise<void>): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await fn();
      } catch (err) {
        if (attempt >= attempts) {
          deps.logger.error({ err, ...fields, attempt }, `discord ${what} failed; giving up until the next change`);
          return;
        }
        deps.logger.warn({ err, ...fields, attempt }, `discord ${what} failed; retrying`);
        await deps.sleep(retryBaseMs * 2 ** (attempt - 1));
      }
    }
  }

  /** Edits the recorded message, or posts it (once, by nonce) and records it. */
  async function upsert(eventId: string, purpose: string, body: MessageBody, status: string, reposting = false): Promise<string> {
    const existing = await findDiscordMessage(deps.db, eventId, purpose);
    if (existing) {
      try {
        await deps.api.edit(existing.channelId, existing.messageId, body);
        await markRendered(deps.db, existing.id, status);
        return existing.messageId;
      } catch (err) {
        // Someone deleted the card: post a fresh one rather than go silent.
        if (reposting || !(err instanceof DiscordAPIError && err.code === UNKNOWN_MESSAGE)) throw err;
        await deleteDiscordMessage(deps.db, eventId, purpose);
        return upsert(eventId, purpose, body, status, true);
      }
    }
    const posted = await deps.api.post(deps.channelId, { ...body, nonce: nonceFor(eventId, reposting ? `${purpose}:repost` : purpose) });
    const row = await recordDiscordMessage(deps.db, { eventId, purpose, channelId: deps.channelId, messageId: posted.id, renderedStatus: status });
    return row.messageId;
  }

  const renderCard = async (eventId: string) => {
    await withRetries('card update', { eventId }, async () => {
      const event = await getEvent(deps.db, eventId);
      if (!event) return;
      const votes = await findVotes(deps.db, eventId);
      const falseAlarm = await falseAlarmMarkFor(deps.db, event);
      await upsert(eventId, 'card', rollbackCard({ event, votes, now: deps.clock(), liveLine: liveLines.get(eventId), falseAlarm }), event.status);
      if (isFinal(event.status)) liveLines.delete(eventId);
    });
  };
  const cards = createCoalescer(renderCard, deps.editIntervalMs ?? 1500);

  /**
   * Posts what a rollback owes the channel (final outcome, escalations) that no message records yet, each rendered
   * from the rows by outcomeMessage: the live notice and the delivery sweep both only say "look at this event", so
   * the words never depend on which path delivered them.
   */
  async function announceOwed(eventId: string): Promise<void> {
    await withRetries('outcome message', { eventId }, async () => {
      const owed = await findOwedOutcomes(deps.db, eventId);
      if (owed.length === 0) return;
      const card = await cardFor(eventId);
      const cardUrl = card && deps.guildId ? `https://discord.com/channels/${deps.guildId}/${card.channelId}/${card.messageId}` : undefined;
      for (const outcome of owed) {
        const body = outcomeMessage(outcome, { oncallRoleId: deps.oncallRoleId, cardUrl });
        const posted = await deps.api.post(deps.channelId, { ...body, nonce: nonceFor(eventId, outcome.purpose) });
        await recordDiscordMessage(deps.db, { eventId, purpose: outcome.purpose, channelId: deps.channelId, messageId: posted.id });
      }
    });
  }
  // One announcement run per event at a time: while Discord's rate limit holds a post back, the live notice and every
  // sweep fold into one trailing run (the nonce would dedupe copies at Discord, but each costs a request).
  const outcomes = createCoalescer(announceOwed, 0);

  /** The notice that a false alarm demoted automatic rules, once: the label row records the message that carries it. */
  async function announceDemotion(decisionId: number): Promise<void> {
    await withRetries('demotion notice', { decisionId }, async () => {
      const label = await getFalseAlarm(deps.db, decisionId);
      if (!label?.demoted?.length || label.noticeMessageId) return;
      const posted = await deps.api.post(deps.channelId, { ...demotionMessage(label), nonce: nonceFor(`decision-${decisionId}`, 'demotion') });
      await markDemotionNoticed(deps.db, decisionId, posted.id);
    });
  }
  // Keyed by decision, as the card coalescer is by event: the live notice and a sweep fold into one post.
  const demotions = createCoalescer((key: string) => announceDemotion(Number(key)), 0);
  const freezeCards = createFreezeCards({ db: deps.db, api: deps.api, channelId: deps.channelId, clock: deps.clock, editIntervalMs: deps.editIntervalMs ?? 1500, withRetries });

  /** The card an outcome links to, posted first when it is still on its way, so both paths link to it alike. */
  async function cardFor(eventId: string) {
    const recorded = await findDiscordMessage(deps.db, eventId, 'card');
    if (recorded) return recorded;
    await cards.idle(eventId);
    if (!(await findDiscordMessage(deps.db, eventId, 'card'))) await cards.request(eventId);
    return findDiscordMessage(deps.db, eventId, 'card');
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
      if (isOutcome(notice.kind)) track(outcomes.request(notice.eventId));
    },
    // A warning has no rollback to hang a card on: one message, retried under one nonce so a retry never doubles it.
    // Keyed by its decision, so a later warning with the same words is a message of its own, with its own button.
    async warn(notice: HealthNotice) {
      const key = `decision-${notice.decisionId}`;
      track(
        withRetries('health warning', { deploymentId: notice.deploymentId }, async () => {
          await deps.api.post(deps.channelId, { ...warningMessage(notice), nonce: nonceFor(key, 'warning') });
        }),
      );
    },
    async freeze(notice) {
      track(freezeCards.request({ kind: SUBJECT_OF[notice.kind], id: notice.id }));
    },
    // The rollback's card shows the label (and its button is spent); a demotion is announced on its own.
    async falseAlarm(notice) {
      if (notice.eventId) track(cards.request(notice.eventId));
      if (notice.demoted.length) track(demotions.request(String(notice.decisionId)));
    },
    async sweep() {
      const now = deps.clock().getTime();
      const window = { from: new Date(now - SWEEP_WINDOW_MS), to: new Date(now - SWEEP_SETTLE_MS) };
      const behind = await findCardsBehind(deps.db, window, 50);
      for (const eventId of behind) track(cards.request(eventId));
      const owing = await findEventsOwingOutcomes(deps.db, window, CONSTITUTION_REFUSED, 50);
      for (const eventId of owing) track(outcomes.request(eventId));
      // A freeze ending by itself changes no row and sends no notice, so this read is what notices it: the messages that
      // can still fall behind (a partial index), at every sweep, in whichever process sweeps first after the end.
      const freezes = await findFreezeCardsBehind(deps.db, { ...window, now: new Date(now) }, 50);
      for (const subject of freezes) track(freezeCards.request(subject));
      const demoted = await findDemotionsOwed(deps.db, window, 50);
      for (const decisionId of demoted) track(demotions.request(String(decisionId)));
      if (behind.length || owing.length || freezes.length || demoted.length) {
        deps.logger.info({ cards: behind.length, outcomes: owing.length, freezes: freezes.length, demotions: demoted.length }, 'discord delivery sweep re-sending');
      }
      return { cards: behind.length, outcomes: owing.length, freezes: freezes.length, demotions: demoted.length };
    },
    // Shutdown waits for what is owed to the channel, but not for ever: under a long rate limit the rest is left to
    // the next process's sweep, which re-sends whatever the channel does not show yet.
    async drain(timeoutMs = 10_000) {
      const settled = (async () => {
        while (pending.size) await Promise.all([...pending]);
        await Promise.all([cards.drain(), outcomes.drain(), freezeCards.drain(), demotions.drain()]);
      })();
      let timer: NodeJS.Timeout | undefined;
      const gaveUp = await Promise.race([settled.then(() => false), new Promise<boolean>((r) => (timer = setTimeout(() => r(true), timeoutMs)))]);
      clearTimeout(timer);
      if (gaveUp) deps.logger.warn({ undelivered: pending.size }, 'stopping with Discord deliveries still queued; the delivery sweep will send them');
    },
  };
}

import { DiscordAPIError } from '@discordjs/rest';
import type { Db } from '../../db/client.ts';
import { deleteFreezeMessage, getFreezeMessage, markFreezeMessageRendered, recordFreezeMessage, type CardSubject } from '../../db/queries/freeze-messages.ts';
import { getFreeze, getPass } from '../../db/queries/freezes.ts';
import { getGithubProtectionRequest } from '../../db/queries/github-protection-requests.ts';
import type { DiscordChannelApi } from '../../discord/rest.ts';
import { freezeCard, freezeCardState } from './cards/freeze-card.ts';
import { deservesGithubCard, githubCard, githubCardState } from './cards/github-card.ts';
import { passCard, passCardState } from './cards/pass-card.ts';
import type { MessageBody } from './cards/rollback-card.ts';
import { createCoalescer } from './coalescer.ts';
import { nonceFor } from './nonce.ts';

export interface FreezeCardsDeps {
  db: Db;
  api: DiscordChannelApi;
  channelId: string;
  clock: () => Date;
  editIntervalMs: number;
  /** The notifier's own retries: a delivery that still fails is left to the delivery sweep. */
  withRetries: (what: string, fields: Record<string, unknown>, fn: () => Promise<void>) => Promise<void>;
}

const UNKNOWN_MESSAGE = 10008;

const keyOf = (s: CardSubject) => `${s.kind}:${s.id}`;
const subjectOf = (key: string): CardSubject => ({ kind: key.slice(0, key.indexOf(':')) as CardSubject['kind'], id: key.slice(key.indexOf(':') + 1) });
/** The log key naming what is delivered. */
const LOG_KEY = { freeze: 'freezeId', pass: 'passId', github: 'requestId' } as const satisfies Record<CardSubject['kind'], string>;

/** The message body and the state it shows, read from the row now; null when the row is gone. */
async function render(db: Db, s: CardSubject, now: Date): Promise<{ body: MessageBody; state: string } | null> {
  if (s.kind === 'freeze') {
    const freeze = await getFreeze(db, s.id);
    return freeze && { body: freezeCard(freeze, now), state: freezeCardState(freeze, now) };
  }
  if (s.kind === 'pass') {
    const pass = await getPass(db, s.id);
    return pass && { body: passCard(pass, now), state: passCardState(pass, now) };
  }
  // A deployment approved or rejected at once never gets a card, whoever asks.
  const request = await getGithubProtectionRequest(db, s.id);
  return request && deservesGithubCard(request) ? { body: githubCard(request), state: githubCardState(request) } : null;
}

/**
 * Freeze cards, pass messages and the cards of held GitHub deployments: one message each, posted once (by nonce and
 * by the row in freeze_messages) and edited in place by whichever process learns of a change, coalesced per message
 * as rollback cards are.
 */
export function createFreezeCards(deps: FreezeCardsDeps) {
  async function upsert(s: CardSubject, body: MessageBody, state: string, reposting = false): Promise<void> {
    const existing = await getFreezeMessage(deps.db, s);
    if (existing) {
      try {
        await deps.api.edit(existing.channelId, existing.messageId, body);
        await markFreezeMessageRendered(deps.db, existing.id, state);
        return;
      } catch (err) {
        // Someone deleted the message: post a fresh one rather than leave the buttons nowhere.
        if (reposting || !(err instanceof DiscordAPIError && err.code === UNKNOWN_MESSAGE)) throw err;
        await deleteFreezeMessage(deps.db, s);
        return upsert(s, body, state, true);
      }
    }
    const posted = await deps.api.post(deps.channelId, { ...body, nonce: nonceFor(s.id, reposting ? `${s.kind}-card:repost` : `${s.kind}-card`) });
    await recordFreezeMessage(deps.db, s, { channelId: deps.channelId, messageId: posted.id, renderedState: state });
  }

  const deliver = (key: string) => {
    const s = subjectOf(key);
    return deps.withRetries(`${s.kind} card`, { [LOG_KEY[s.kind]]: s.id }, async () => {
      const rendered = await render(deps.db, s, deps.clock());
      if (rendered) await upsert(s, rendered.body, rendered.state);
    });
  };
  const cards = createCoalescer(deliver, deps.editIntervalMs);

  return {
    /** Renders the subject's message from its row now; resolves once nothing is pending for it. */
    request: (s: CardSubject) => cards.request(keyOf(s)),
    drain: () => cards.drain(),
  };
}

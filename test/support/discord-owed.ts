import type { Db } from '../../src/db/client.ts';
import { findCardsBehind, findEventsOwingOutcomes } from '../../src/db/queries/discord-messages.ts';
import { CONSTITUTION_REFUSED } from '../../src/admission/request-rollback.ts';

/**
 * The events the delivery sweep would re-send to the channel if it ran now without its settle delay: cards behind
 * their rollback's status, outcomes no message records. Empty for an event means nothing will post for it again,
 * so a test can count its messages then instead of sleeping and hoping no straggler arrives later.
 */
export async function owedToDiscord(db: Db): Promise<Set<string>> {
  const now = Date.now();
  const window = { from: new Date(now - 60 * 60_000), to: new Date(now + 60_000) };
  const [cards, outcomes] = await Promise.all([findCardsBehind(db, window, 500), findEventsOwingOutcomes(db, window, CONSTITUTION_REFUSED, 500)]);
  return new Set([...cards, ...outcomes]);
}

// The route is written out rather than taken from discord.js, so the API process does not load discord.js for it.
import { DiscordAPIError, type REST } from '@discordjs/rest';

export type Membership = { kind: 'member'; roleIds: readonly string[] } | { kind: 'not_member' };

/** A guild member's Discord roles, as Discord itself reports them now. */
export type MemberLookup = (userId: string) => Promise<Membership>;

// Discord's JSON error codes for a user who is not (or no longer) in the guild, and for an id that is no user.
const UNKNOWN_MEMBER = 10007;
const UNKNOWN_USER = 10013;

/**
 * Asks Discord (GET /guilds/{guild}/members/{user}, with the bot's token) which roles a person holds, so that a
 * caller who speaks for people never has to be believed about them. Answers are kept `ttlMs` (a role taken away
 * counts after at most that long) and at most `max` of them, the oldest dropped first. A Discord outage is an error,
 * never "no roles": the caller says the identity cannot be verified now.
 */
export function createMemberLookup(input: { rest: REST; guildId: string; clock: () => number; ttlMs?: number; max?: number }): MemberLookup {
  const ttlMs = input.ttlMs ?? 60_000;
  const max = input.max ?? 1_000;
  const cache = new Map<string, { at: number; membership: Membership }>();
  return async (userId) => {
    const now = input.clock();
    const hit = cache.get(userId);
    if (hit && now - hit.at < ttlMs) return hit.membership;
    let membership: Membership;
    try {
      const member = (await input.rest.get(`/guilds/${input.guildId}/members/${userId}`)) as { roles: string[] };
      membership = { kind: 'member', roleIds: member.roles };
    } catch (err) {
      if (!(err instanceof DiscordAPIError && (err.code === UNKNOWN_MEMBER || err.code === UNKNOWN_USER))) throw err;
      membership = { kind: 'not_member' };
    }
    cache.delete(userId);
    cache.set(userId, { at: now, membership });
    if (cache.size > max) cache.delete(cache.keys().next().value!);
    return membership;
  };
}

import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Logger } from '../logging/logger.ts';
import type { DiscordChannelApi } from './rest.ts';

/**
 * Discord allows about 5 posts and 5 edits per 5 s in a channel. @discordjs/rest keeps those buckets per process, so
 * the api, the worker and the gateway, each posting cards to the same channel, overran them together (41 retried
 * 429s for 100 rollbacks in bench/fanout.ts). This limiter holds one sliding log per (channel, route) in Redis,
 * shared by every process, and makes a caller wait for its turn before the request leaves.
 */
export interface SharedLimit {
  limit: number;
  /** A little over Discord's 5 s: requests that left in order can arrive closer together than they left. */
  windowMs: number;
}

export const CHANNEL_LIMIT: SharedLimit = { limit: 5, windowMs: 5_250 };

// Atomically: drop entries older than the window; if there is room, take a slot and answer 0, else answer how long
// until the oldest slot frees. Redis's own clock, so processes on different machines agree.
const TAKE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local window = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[1]) then
  redis.call('ZADD', KEYS[1], now, ARGV[3])
  redis.call('PEXPIRE', KEYS[1], window)
  return 0
end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return math.max(1, tonumber(oldest[2]) + window - now)
`;

// A slot's time moves to when its request was answered: Discord counted the request somewhere between the take and
// the answer, and on a busy machine the request can leave well after the take (a blocked event loop, a slow socket).
// Counting the window from the take alone let the next window's first request arrive within 5 s of a late one: a 429.
// Re-added if the window already dropped it, so a request slower than the window still counts.
const SENT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZADD', KEYS[1], now, ARGV[2])
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[1]))
return 0
`;

/** Marks a taken slot's request as answered; resolves even when Redis is unreachable. */
export type SlotDone = () => Promise<void>;

export interface SharedLimiterDeps {
  redis: Pick<Redis, 'eval'>;
  prefix: string;
  logger: Logger;
  sleep: (ms: number) => Promise<void>;
  limit?: SharedLimit;
}

/**
 * Waits for a slot in the shared bucket `key`, and answers with what to call once the request has been answered (see
 * SENT). Without Redis it lets the request go: a late card beats none.
 */
export function createSharedLimiter(deps: SharedLimiterDeps) {
  const { limit, windowMs } = deps.limit ?? CHANNEL_LIMIT;
  const bucket = (key: string) => `${deps.prefix}:discord-rate:${key}`;
  return async function acquire(key: string): Promise<SlotDone> {
    // Random, not pid + clock: every container's process is pid 1, and two takes in one millisecond from two of them
    // would be one member of the set, one slot for two requests.
    const member = randomUUID();
    for (;;) {
      let waitMs: number;
      try {
        waitMs = Number(await deps.redis.eval(TAKE, 1, bucket(key), limit, windowMs, member));
      } catch (err) {
        deps.logger.warn({ err, key }, 'shared Discord rate limit unavailable (Redis); relying on this process’s own buckets');
        return async () => undefined;
      }
      if (waitMs <= 0) {
        return async () => {
          await deps.redis.eval(SENT, 1, bucket(key), windowMs, member).catch((err: unknown) => deps.logger.debug({ err, key }, 'shared Discord rate limit: could not mark a request answered'));
        };
      }
      await deps.sleep(waitMs);
    }
  };
}

/** The channel API with every post and edit waiting for its slot in the channel's shared bucket. */
export function withSharedRateLimit(api: DiscordChannelApi, acquire: (key: string) => Promise<SlotDone>): DiscordChannelApi {
  return {
    async post(channelId, body) {
      const done = await acquire(`post:${channelId}`);
      try {
        return await api.post(channelId, body);
      } finally {
        await done();
      }
    },
    async edit(channelId, messageId, body) {
      const done = await acquire(`edit:${channelId}`);
      try {
        return await api.edit(channelId, messageId, body);
      } finally {
        await done();
      }
    },
  };
}

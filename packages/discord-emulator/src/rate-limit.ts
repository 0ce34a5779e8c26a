import { createHash } from 'node:crypto';
import type { Clock } from './snowflake.ts';

export interface BucketPolicy {
  limit: number;
  windowMs: number;
}

/** Discord's per-channel message limit is about 5 per 5 s; everything else here is generous. */
export const CHANNEL_MESSAGES: BucketPolicy = { limit: 5, windowMs: 5_000 };
export const GENEROUS: BucketPolicy = { limit: 50, windowMs: 1_000 };

export interface RateDecision {
  ok: boolean;
  headers: Record<string, string>;
  /** Present when ok is false: the 429 body. */
  body?: { message: string; retry_after: number; global: false };
}

interface Injection {
  remaining: number;
  match: (method: string, path: string) => boolean;
  retryAfterMs: number;
}

const seconds = (ms: number) => (Math.max(0, ms) / 1000).toFixed(3);

/**
 * Fixed-window buckets keyed like Discord's: one bucket hash per route template, one counter per major parameter
 * (channel, guild, webhook). Every response carries the X-RateLimit-* headers so a client that reads them (discord.js
 * does) never trips a 429; injected 429s are separate and count separately.
 */
export function createRateLimiter(clock: Clock) {
  const windows = new Map<string, { resetAt: number; used: number }>();
  const injections: Injection[] = [];
  const counts = { rateLimited: 0, injected: 0 };

  function bucketHash(routeKey: string): string {
    return createHash('sha1').update(routeKey).digest('hex').slice(0, 16);
  }

  function headersFor(hash: string, policy: BucketPolicy, remaining: number, resetAt: number, now: number) {
    return {
      'X-RateLimit-Limit': String(policy.limit),
      'X-RateLimit-Remaining': String(Math.max(0, remaining)),
      'X-RateLimit-Reset': seconds(resetAt),
      'X-RateLimit-Reset-After': seconds(resetAt - now),
      'X-RateLimit-Bucket': hash,
    };
  }

  /** Counts one request against its bucket. routeKey is "METHOD /route/:template"; major the major parameter. */
  function take(routeKey: string, major: string, policy: BucketPolicy): RateDecision {
    const now = clock();
    const hash = bucketHash(routeKey);
    const key = `${hash}:${major}`;
    let window = windows.get(key);
    if (!window || window.resetAt <= now) {
      window = { resetAt: now + policy.windowMs, used: 0 };
      windows.set(key, window);
    }
    if (window.used >= policy.limit) {
      counts.rateLimited += 1;
      return limited(hash, policy, window.resetAt - now, window.resetAt, now);
    }
    window.used += 1;
    return { ok: true, headers: headersFor(hash, policy, policy.limit - window.used, window.resetAt, now) };
  }

  function limited(hash: string, policy: BucketPolicy, retryAfterMs: number, resetAt: number, now: number): RateDecision {
    return {
      ok: false,
      headers: {
        ...headersFor(hash, policy, 0, resetAt, now),
        'Retry-After': seconds(retryAfterMs),
        'X-RateLimit-Scope': 'user',
      },
      body: { message: 'You are being rate limited.', retry_after: Number(seconds(retryAfterMs)), global: false },
    };
  }

  /** The headers a request would see, without counting it (for answers that never reach a bucket, like 401s). */
  function peek(routeKey: string, major: string, policy: BucketPolicy): Record<string, string> {
    const now = clock();
    const hash = bucketHash(routeKey);
    const window = windows.get(`${hash}:${major}`);
    if (!window || window.resetAt <= now) return headersFor(hash, policy, policy.limit, now + policy.windowMs, now);
    return headersFor(hash, policy, policy.limit - window.used, window.resetAt, now);
  }

  /** A 429 the test asked for, if this request is one of the next `count` matching ones. */
  function takeInjected(method: string, path: string, routeKey: string, policy: BucketPolicy): RateDecision | undefined {
    const injection = injections.find((i) => i.remaining > 0 && i.match(method, path));
    if (!injection) return undefined;
    injection.remaining -= 1;
    counts.injected += 1;
    const now = clock();
    return limited(bucketHash(routeKey), policy, injection.retryAfterMs, now + injection.retryAfterMs, now);
  }

  return {
    take,
    peek,
    takeInjected,
    inject(count: number, match: (method: string, path: string) => boolean = () => true, retryAfterMs = 1000) {
      injections.push({ remaining: count, match, retryAfterMs });
    },
    counts,
  };
}

export type RateLimiter = ReturnType<typeof createRateLimiter>;

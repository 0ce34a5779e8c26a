import { createHmac, randomBytes } from 'node:crypto';
import { sourceKey } from './source-address.ts';

/**
 * The brake's numbers. Tokens are long random secrets, so guessing one is hopeless at any rate; the brake makes a
 * guesser's traffic cheap to answer and loud in the audit log, and keeps a locked-out source from learning anything.
 */
export const AUTH_BRAKE_DEFAULTS = {
  /** Distinct wrong credentials from one source within the window that start a lockout. */
  maxFailures: 10,
  windowMs: 60_000,
  /** The first lockout; each further one doubles it, up to maxLockoutMs. */
  firstLockoutMs: 60_000,
  maxLockoutMs: 15 * 60_000,
  /** A source whose last lockout ended this long ago starts again at firstLockoutMs. */
  forgetAfterMs: 60 * 60_000,
  /** Sources remembered at once; the least recently failing is forgotten first. */
  maxSources: 10_000,
};

export type AuthBrakeOptions = typeof AUTH_BRAKE_DEFAULTS;

export interface Lockout {
  /** The address as the connection gave it (the brake counts an IPv6 address by its /64). */
  source: string;
  /** Whole seconds until it ends, for Retry-After. */
  retryAfterSeconds: number;
  lockoutMs: number;
  /** 1 for a source's first lockout, 2 for the one after (twice as long), … */
  strike: number;
  /** The distinct wrong credentials that began it. */
  failures: number;
  until: Date;
}

export interface AuthBrake {
  /** The lockout a source is serving now, or null. Asked before the token is read, so a guess during one learns nothing. */
  lockedOut(source: string): Lockout | null;
  /** Counts a credential refused as unknown; returns the lockout when this failure starts one (once per lockout). */
  failed(source: string, credential: string): Lockout | null;
}

interface SourceState {
  /** Each distinct wrong credential in the window (a keyed digest, never the value) and when it was last sent. */
  guesses: Map<string, number>;
  /** When the current or last lockout ends (0: never locked out). */
  lockedUntil: number;
  strike: number;
  failures: number;
}

/**
 * A per-process, in-memory brake on guessing tokens (no library: rate-limiter-flexible would fit, but is not a
 * dependency). Several API processes each keep their own, so the limit is per process; a restart forgets it.
 *
 * Only distinct wrong credentials count: a client retrying with one stale token learns nothing new, and locking it out
 * would also lock out every good token sent from the same host (a CI runner, a NAT). Successes reset nothing: a holder
 * of one valid token could otherwise interleave it with guesses forever. Memory is bounded: maxSources entries of at
 * most maxFailures digests each, the least recently failing source forgotten first (so a guesser with more addresses
 * than that can shed a lockout; a per-source brake cannot stop one with that many addresses anyway).
 */
export function createAuthBrake(deps: { clock: () => Date }, options: Partial<AuthBrakeOptions> = {}): AuthBrake {
  const o = { ...AUTH_BRAKE_DEFAULTS, ...options };
  const sources = new Map<string, SourceState>();
  // Keyed with a secret of this process, so what is kept in memory cannot be matched against a known token's hash.
  const key = randomBytes(32);
  const digest = (credential: string) => createHmac('sha256', key).update(credential).digest('base64url').slice(0, 22);

  const lockoutOf = (source: string, s: SourceState, now: number): Lockout => ({
    source,
    retryAfterSeconds: Math.max(1, Math.ceil((s.lockedUntil - now) / 1000)),
    lockoutMs: Math.min(o.firstLockoutMs * 2 ** (s.strike - 1), o.maxLockoutMs),
    strike: s.strike,
    failures: s.failures,
    until: new Date(s.lockedUntil),
  });

  return {
    lockedOut(source) {
      const s = sources.get(sourceKey(source));
      const now = deps.clock().getTime();
      return s && s.lockedUntil > now ? lockoutOf(source, s, now) : null;
    },
    failed(source, credential) {
      const now = deps.clock().getTime();
      const k = sourceKey(source);
      const s = sources.get(k) ?? { guesses: new Map(), lockedUntil: 0, strike: 0, failures: 0 };
      // Most recently failing last, so the first entry is the one to forget.
      sources.delete(k);
      sources.set(k, s);
      if (sources.size > o.maxSources) sources.delete(sources.keys().next().value!);
      // A request that was let in just before a lockout began (they run concurrently) does not start another.
      if (s.lockedUntil > now) return null;
      for (const [d, at] of s.guesses) if (now - at >= o.windowMs) s.guesses.delete(d);
      s.guesses.set(digest(credential), now);
      if (s.guesses.size < o.maxFailures) return null;
      if (s.strike > 0 && now - s.lockedUntil >= o.forgetAfterMs) s.strike = 0;
      s.strike += 1;
      s.lockedUntil = now + Math.min(o.firstLockoutMs * 2 ** (s.strike - 1), o.maxLockoutMs);
      s.failures = s.guesses.size;
      s.guesses.clear();
      return lockoutOf(source, s, now);
    },
  };
}

import { randomBytes } from 'node:crypto';

// Discord's epoch (2015-01-01). Ids minted against it today are 19 digits, which is what discord.js and
// any code that sorts ids as strings of equal length expect.
const DISCORD_EPOCH = 1_420_070_400_000n;

export type Clock = () => number;
export type IdSource = () => string;

/**
 * Mints increasing snowflakes: timestamp << 22 | worker << 17 | process << 12 | increment.
 * One generator per emulator, so two emulators in one process never share a counter.
 */
export function createSnowflakes(clock: Clock, workerId = 1): IdSource {
  let lastMs = 0n;
  let increment = 0n;
  return () => {
    let ms = BigInt(clock()) - DISCORD_EPOCH;
    if (ms <= lastMs) {
      // Same (or an earlier) millisecond: keep ids strictly increasing; borrow the next millisecond when the
      // 12-bit increment runs out.
      ms = lastMs;
      increment += 1n;
      if (increment > 0xfffn) {
        ms += 1n;
        increment = 0n;
      }
    } else {
      increment = 0n;
    }
    lastMs = ms;
    return ((ms << 22n) | (BigInt(workerId & 0x1f) << 17n) | (1n << 12n) | increment).toString();
  };
}

/** A bot token shaped like Discord's: base64(user id) . timestamp part . hmac part. */
export function makeBotToken(botUserId: string): string {
  const head = Buffer.from(botUserId).toString('base64url');
  return `${head}.${randomBytes(4).toString('base64url')}.${randomBytes(27).toString('base64url')}`;
}

/** Interaction tokens are long opaque strings; the length matters only so that nothing truncates them. */
export function makeInteractionToken(): string {
  return `aW50ZXJhY3Rpb24${randomBytes(96).toString('base64url')}`;
}

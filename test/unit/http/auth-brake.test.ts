import { describe, expect, it } from 'vitest';
import { AUTH_BRAKE_DEFAULTS, createAuthBrake } from '../../../src/http/auth-brake.ts';
import { sourceKey } from '../../../src/http/source-address.ts';

function fakeClock(start = Date.parse('2026-12-04T14:00:00Z')) {
  let now = start;
  return { clock: () => new Date(now), advance: (ms: number) => (now += ms) };
}

const guesses = (n: number, prefix = 'guess') => Array.from({ length: n }, (_, i) => `Bearer ${prefix}-${i}`);

describe('the brake on guessing tokens', () => {
  it('locks a source out at its tenth distinct unknown token within a minute, for 60 s', () => {
    const { clock, advance } = fakeClock();
    const brake = createAuthBrake({ clock });
    const started = guesses(10).map((g) => brake.failed('10.0.0.7', g));
    expect(started.slice(0, 9)).toEqual(Array(9).fill(null));
    expect(started[9]).toMatchObject({ source: '10.0.0.7', retryAfterSeconds: 60, lockoutMs: 60_000, strike: 1, failures: 10 });
    expect(brake.lockedOut('10.0.0.7')?.retryAfterSeconds).toBe(60);
    advance(59_001);
    expect(brake.lockedOut('10.0.0.7')?.retryAfterSeconds).toBe(1);
    advance(999);
    expect(brake.lockedOut('10.0.0.7')).toBeNull();
  });

  it('reports a lockout once: failures that arrive during it start nothing', () => {
    const { clock } = fakeClock();
    const brake = createAuthBrake({ clock });
    const started = guesses(30).map((g) => brake.failed('10.0.0.7', g)).filter(Boolean);
    expect(started).toHaveLength(1);
  });

  it('counts distinct credentials: one stale token retried all day never locks its host out', () => {
    const { clock, advance } = fakeClock();
    const brake = createAuthBrake({ clock });
    for (let i = 0; i < 500; i++) {
      expect(brake.failed('10.0.0.7', 'Bearer stale-token')).toBeNull();
      advance(100);
    }
    expect(brake.lockedOut('10.0.0.7')).toBeNull();
  });

  it('forgets guesses older than the window', () => {
    const { clock, advance } = fakeClock();
    const brake = createAuthBrake({ clock });
    for (const g of guesses(9, 'early')) brake.failed('10.0.0.7', g);
    advance(AUTH_BRAKE_DEFAULTS.windowMs);
    for (const g of guesses(9, 'late')) expect(brake.failed('10.0.0.7', g)).toBeNull();
    expect(brake.failed('10.0.0.7', 'Bearer one-more')).not.toBeNull();
  });

  it('doubles each further lockout up to 15 minutes, and starts over after an hour of quiet', () => {
    const { clock, advance } = fakeClock();
    const brake = createAuthBrake({ clock });
    const lockouts: number[] = [];
    for (let round = 0; round < 7; round++) {
      const started = guesses(10, `r${round}`).map((g) => brake.failed('10.0.0.7', g)).find(Boolean)!;
      lockouts.push(started.lockoutMs / 1000);
      advance(started.lockoutMs);
    }
    expect(lockouts).toEqual([60, 120, 240, 480, 900, 900, 900]);
    advance(AUTH_BRAKE_DEFAULTS.forgetAfterMs);
    expect(guesses(10, 'later').map((g) => brake.failed('10.0.0.7', g)).find(Boolean)?.lockoutMs).toBe(60_000);
  });

  it('keeps sources apart: a lockout of one leaves every other address, and a success resets nothing', () => {
    const { clock } = fakeClock();
    const brake = createAuthBrake({ clock });
    for (const g of guesses(10)) brake.failed('10.0.0.7', g);
    expect(brake.lockedOut('10.0.0.7')).not.toBeNull();
    expect(brake.lockedOut('10.0.0.8')).toBeNull();
    for (const g of guesses(9)) brake.failed('10.0.0.8', g);
    expect(brake.lockedOut('10.0.0.8')).toBeNull();
    expect(brake.failed('10.0.0.8', 'Bearer tenth')).not.toBeNull();
  });

  it('counts an IPv6 client by its /64, and an IPv4-mapped address as the IPv4 address', () => {
    const { clock } = fakeClock();
    const brake = createAuthBrake({ clock });
    guesses(10).forEach((g, i) => brake.failed(`2001:db8:0:1::${i + 1}`, g));
    expect(brake.lockedOut('2001:db8:0:1:ffff:ffff:ffff:ffff')).not.toBeNull();
    expect(brake.lockedOut('2001:db8:0:2::1')).toBeNull();
    expect(sourceKey('2001:0db8:0000:0001:0000:0000:0000:0001')).toBe('2001:db8:0:1::/64');
    expect(sourceKey('::1')).toBe('0:0:0:0::/64');
    expect(sourceKey('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
    expect(sourceKey('127.0.0.1')).toBe('127.0.0.1');
  });

  it('remembers at most maxSources sources, forgetting the least recently failing first', () => {
    const { clock } = fakeClock();
    const brake = createAuthBrake({ clock }, { maxSources: 3, maxFailures: 2 });
    brake.failed('10.0.0.1', 'Bearer a');
    brake.failed('10.0.0.1', 'Bearer b');
    expect(brake.lockedOut('10.0.0.1')).not.toBeNull();
    for (const source of ['10.0.0.2', '10.0.0.3', '10.0.0.4']) brake.failed(source, 'Bearer a');
    expect(brake.lockedOut('10.0.0.1')).toBeNull();
    // 10.0.0.2 was forgotten only if it was the oldest: 10.0.0.3 and 10.0.0.4 are still counting.
    expect(brake.failed('10.0.0.4', 'Bearer b')).not.toBeNull();
  });
});

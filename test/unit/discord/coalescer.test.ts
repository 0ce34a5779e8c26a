import { describe, expect, it } from 'vitest';
import { createCoalescer } from '../../../src/notify/discord/coalescer.ts';

/** A manual clock: timers fire only when the test advances time. */
function manualTimers() {
  let now = 0;
  const due: Array<{ at: number; fn: () => void }> = [];
  return {
    now: () => now,
    setTimeout: (fn: () => void, ms: number) => void due.push({ at: now + ms, fn }),
    async advance(ms: number) {
      now += ms;
      for (;;) {
        const i = due.findIndex((d) => d.at <= now);
        if (i < 0) break;
        due.splice(i, 1)[0]!.fn();
        await new Promise((r) => setImmediate(r));
      }
    },
  };
}

describe('the edit coalescer', () => {
  it('runs the first request at once, folds a burst into one trailing run, and keeps the interval', async () => {
    const timers = manualTimers();
    const runs: number[] = [];
    const c = createCoalescer(async () => void runs.push(timers.now()), 1500, timers);
    void c.request('card');
    await timers.advance(0);
    for (let i = 0; i < 10; i++) void c.request('card');
    await timers.advance(1000);
    expect(runs).toEqual([0]);
    await timers.advance(500);
    expect(runs).toEqual([0, 1500]);
    // Quiet, then one more request soon after: it still waits out the interval since the last run.
    void c.request('card');
    await timers.advance(0);
    expect(runs).toEqual([0, 1500]);
    await timers.advance(1500);
    expect(runs).toEqual([0, 1500, 3000]);
  });

  it('keeps keys independent', async () => {
    const timers = manualTimers();
    const runs: string[] = [];
    const c = createCoalescer(async (k) => void runs.push(k), 1500, timers);
    void c.request('a');
    void c.request('b');
    await timers.advance(0);
    expect(runs.sort()).toEqual(['a', 'b']);
  });

  it('lets a caller wait for a pending run without asking for another (an outcome waits for its card)', async () => {
    const timers = manualTimers();
    const runs: number[] = [];
    const c = createCoalescer(async () => void runs.push(timers.now()), 1500, timers);
    let idle = false;
    void c.request('card');
    void c.idle('card').then(() => (idle = true));
    await timers.advance(0);
    expect([runs, idle]).toEqual([[0], true]);
    await c.idle('card');
    await timers.advance(3000);
    expect(runs).toEqual([0]);
  });
});

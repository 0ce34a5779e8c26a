/**
 * Runs `task(key)` at most once per `intervalMs` per key: the first request runs at once, requests during a run or
 * the interval after it fold into one trailing run. Because the task renders the latest state, folding loses
 * nothing, and the final state is always rendered.
 */
export function createCoalescer(
  task: (key: string) => Promise<void>,
  intervalMs: number,
  timers: { now: () => number; setTimeout: (fn: () => void, ms: number) => unknown } = { now: Date.now, setTimeout },
) {
  const state = new Map<string, { running: boolean; dirty: boolean; scheduled: boolean; idle: Promise<void>; settle: () => void }>();
  // Outlives `state`, so a request just after a key went quiet still waits out the interval.
  const lastRun = new Map<string, number>();
  const forgetOld = () => {
    const cutoff = timers.now() - intervalMs;
    for (const [key, at] of lastRun) if (at < cutoff && !state.has(key)) lastRun.delete(key);
  };

  const run = async (key: string): Promise<void> => {
    const s = state.get(key)!;
    s.scheduled = false;
    s.running = true;
    s.dirty = false;
    lastRun.set(key, timers.now());
    try {
      await task(key);
    } finally {
      s.running = false;
      if (s.dirty) schedule(key);
      else {
        state.delete(key);
        s.settle();
      }
    }
  };

  const schedule = (key: string) => {
    const s = state.get(key)!;
    if (s.scheduled || s.running) {
      s.dirty = true;
      return;
    }
    s.scheduled = true;
    const wait = Math.max(0, (lastRun.get(key) ?? -Infinity) + intervalMs - timers.now());
    timers.setTimeout(() => void run(key), wait);
  };

  return {
    /** Asks for a run; resolves when the key has no run pending (so tests and shutdown can wait for quiet). */
    request(key: string): Promise<void> {
      let s = state.get(key);
      if (!s) {
        let settle!: () => void;
        const idle = new Promise<void>((r) => (settle = r));
        s = { running: false, dirty: false, scheduled: false, idle, settle };
        if (lastRun.size > 1000) forgetOld();
        state.set(key, s);
      }
      schedule(key);
      return s.idle;
    },
    /** Resolves when the key has no run pending, without asking for one. */
    idle(key: string): Promise<void> {
      return state.get(key)?.idle ?? Promise.resolve();
    },
    /** Resolves when nothing is pending for any key. */
    async drain(): Promise<void> {
      while (state.size) await Promise.all([...state.values()].map((s) => s.idle));
    },
  };
}

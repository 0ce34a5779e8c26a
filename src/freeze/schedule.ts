import type { FreezeWindow } from '../config/freeze-schema.ts';
import { createOccurrences, type Occurrences } from './schedule-occurrences.ts';
import { parseFreezeRule } from './schedule-rule.ts';
import { createZoneClock, type ZoneClock } from './schedule-zone.ts';

// The scheduled freezes of the policy file, asked at an instant: which hold a service in an environment, until when,
// and when the next one begins. Pure: the caller passes the instant, and the only state is what was already worked
// out about each rule, kept so that the deploy gate's question on every request is a few binary searches.

const DAY_MS = 86_400_000;
// How far ahead an answer is looked for: a freeze that recurs at all does so within a year.
const HORIZON_MS = 366 * DAY_MS;
// clearAt follows one occurrence's end to the next occurrence that holds it; a year of hourly back-to-back
// occurrences is 8,784 steps, so this bounds only the impossible.
const MAX_STEPS = 10_000;

/** One occurrence of a freeze that holds at the instant asked about: [startedAt, endsAt). */
export interface ActiveWindow {
  name: string;
  reason: string;
  startedAt: Date;
  endsAt: Date;
}

/** The next occurrence to begin: [startsAt, endsAt). */
export interface UpcomingWindow {
  name: string;
  reason: string;
  startsAt: Date;
  endsAt: Date;
}

interface CompiledWindow {
  name: string;
  reason: string;
  duration: number;
  services: ReadonlySet<string> | undefined;
  environments: ReadonlySet<string> | undefined;
  occurrences: Occurrences;
}

/** The policy file's freezes, ready to be asked about. Compile once per policy and keep it. */
export interface CompiledSchedule {
  readonly windows: readonly CompiledWindow[];
}

/** Compiles windows the config schema accepted; one it did not accept is a bug, and throws. */
export function compileSchedule(windows: readonly FreezeWindow[]): CompiledSchedule {
  const clocks = new Map<string, ZoneClock>();
  return {
    windows: windows.map((w) => {
      const parsed = parseFreezeRule(w.rrule);
      if (!parsed.ok) throw new Error(`freeze ${w.name}: ${parsed.message}`);
      // Windows in one zone share its clock, and so its offsets read so far.
      let clock = clocks.get(w.time_zone);
      if (!clock) clocks.set(w.time_zone, (clock = createZoneClock(w.time_zone)));
      return {
        name: w.name,
        reason: w.reason,
        duration: w.duration,
        services: w.services ? new Set(w.services) : undefined,
        environments: w.environments ? new Set(w.environments) : undefined,
        occurrences: createOccurrences(parsed.rule, clock),
      };
    }),
  };
}

const holds = (w: CompiledWindow, service: string, environment: string) =>
  (!w.services || w.services.has(service)) && (!w.environments || w.environments.has(environment));

// The start of w's occurrence that holds at `at` and ends last, or undefined. Every occurrence lasts as long, so it is
// the latest one to have started, and only starts within one duration of `at` are looked at.
const activeStart = (w: CompiledWindow, at: number) => w.occurrences.latestStart(at, at - w.duration + 1);

/**
 * The freezes that hold `service` in `environment` at `at`, in policy order. An occurrence holds on [start, start +
 * duration): from its first millisecond, and no longer at its end. Of a freeze whose occurrences overlap, the one
 * that ends last.
 */
export function activeWindows(schedule: CompiledSchedule, service: string, environment: string, at: Date): ActiveWindow[] {
  const t = at.getTime();
  const active: ActiveWindow[] = [];
  for (const w of schedule.windows) {
    if (!holds(w, service, environment)) continue;
    const start = activeStart(w, t);
    if (start !== undefined) active.push({ name: w.name, reason: w.reason, startedAt: new Date(start), endsAt: new Date(start + w.duration) });
  }
  return active;
}

/**
 * The earliest instant from `at` on when no scheduled freeze holds `service` in `environment`: `at` itself when none
 * holds now, else the end of the last of a run of occurrences that overlap or follow on without a gap (back to back,
 * the next starting at the very instant the last ends). Null when none is found within a year of `at`: a freeze that
 * never lifts as far as the schedule looks.
 */
export function clearAt(schedule: CompiledSchedule, service: string, environment: string, at: Date): Date | null {
  const windows = schedule.windows.filter((w) => holds(w, service, environment));
  const limit = at.getTime() + HORIZON_MS;
  let t = at.getTime();
  for (let step = 0; step < MAX_STEPS && t <= limit; step++) {
    let end = t;
    for (const w of windows) {
      const start = activeStart(w, t);
      if (start !== undefined) end = Math.max(end, start + w.duration);
    }
    if (end === t) return new Date(t);
    t = end;
  }
  return null;
}

/**
 * The occurrence that begins next, strictly after `at`, of a freeze that holds `service` in `environment`, for "the
 * next freeze begins …"; on a tie the one first in the policy. Null when none begins within a year.
 */
export function nextWindow(schedule: CompiledSchedule, service: string, environment: string, at: Date): UpcomingWindow | null {
  const t = at.getTime();
  let best: { w: CompiledWindow; start: number } | undefined;
  for (const w of schedule.windows) {
    if (!holds(w, service, environment)) continue;
    // Looking no further than the best so far: a later start cannot win.
    const start = w.occurrences.earliestStartAfter(t, best ? best.start - 1 : t + HORIZON_MS);
    if (start !== undefined) best = { w, start };
  }
  return best ? { name: best.w.name, reason: best.w.reason, startsAt: new Date(best.start), endsAt: new Date(best.start + best.w.duration) } : null;
}

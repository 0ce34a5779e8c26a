import { RRuleTemporal } from 'rrule-temporal';
import { formatWall, type FreezeRule } from './schedule-rule.ts';
import type { ZoneClock } from './schedule-zone.ts';

// One window's occurrence starts, as instants. The library enumerates a stretch of time at a time, and each stretch
// is kept: the deploy gate asks on every request, and after the first question in a stretch an answer is a binary
// search rather than a walk through the rule.

const DAY_MS = 86_400_000;
const CHUNK_MS = 28 * DAY_MS;
// A counted rule's occurrences are looked for this far from DTSTART; any later are beyond every question asked now.
const COUNTED_SPAN_MS = 100 * 366 * DAY_MS;
// Kept per window, the oldest dropped first: two years, more than one question looks at (a year back or ahead).
const MAX_CHUNKS = 28;

export interface Occurrences {
  /** The latest start in [from, at], or undefined when none. */
  latestStart(at: number, from: number): number | undefined;
  /** The earliest start in (at, limit], or undefined when none. */
  earliestStartAfter(at: number, limit: number): number | undefined;
}

// The first index whose start is greater than `at`.
function upperBound(starts: readonly number[], at: number): number {
  let lo = 0;
  let hi = starts.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (starts[mid]! <= at) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * The starts of `rule` placed in `clock`'s zone. The rule is enumerated on the floating clock (in UTC, which has no
 * gaps, so no wall time is dropped) and each wall time placed by the zone's own reading: see schedule-zone.ts.
 */
export function createOccurrences(rule: FreezeRule, clock: ZoneClock): Occurrences {
  // Built on first use: a schedule is compiled when the policy is loaded, and most windows are not asked about soon.
  let recurrence: RRuleTemporal | undefined;
  const chunks = new Map<number, number[]>();
  const until = rule.until;
  let counted: number[] | undefined;

  // The rule's wall times in [from, to]. The library is asked about a stretch at a time: without COUNT it jumps
  // straight to the stretch, but a counted rule it walks from DTSTART, period by period, every time.
  function wallsBetween(from: number, to: number): number[] {
    recurrence ??= new RRuleTemporal({ rruleString: `DTSTART;TZID=UTC:${formatWall(rule.start)}\nRRULE:${rule.parts}` });
    return recurrence.between(new Date(from), new Date(to), true).map((z) => z.epochMilliseconds);
  }

  // So COUNT is applied here, once: the first COUNT wall times from DTSTART, found a stretch at a time.
  function countedWalls(count: number): number[] {
    if (counted) return counted;
    const found: number[] = [];
    for (let from = rule.start; found.length < count && from < rule.start + COUNTED_SPAN_MS; from += CHUNK_MS) {
      for (const wall of wallsBetween(from, from + CHUNK_MS)) if (wall < from + CHUNK_MS && found.length < count) found.push(wall);
    }
    return (counted = found);
  }

  const walls = (from: number, to: number) =>
    rule.count === undefined ? wallsBetween(from, to) : countedWalls(rule.count).filter((wall) => wall >= from && wall <= to);

  function chunk(index: number): number[] {
    const known = chunks.get(index);
    if (known) return known;
    const from = index * CHUNK_MS;
    const to = from + CHUNK_MS;
    const starts: number[] = [];
    // Wall times a day either side: a zone is at most 14 hours from UTC.
    for (const wall of walls(from - DAY_MS, to + DAY_MS)) {
      if (until && 'wall' in until && wall > until.wall) continue;
      const start = clock.wallToInstant(wall);
      if (start < from || start >= to || (until && 'instant' in until && start > until.instant)) continue;
      starts.push(start);
    }
    // A wall time in a spring-forward gap lands where the hour after it does (02:30 is 03:30): sorted, and one start each.
    starts.sort((a, b) => a - b);
    const unique = starts.filter((s, i) => i === 0 || s !== starts[i - 1]);
    if (chunks.size >= MAX_CHUNKS) chunks.delete(chunks.keys().next().value!);
    chunks.set(index, unique);
    return unique;
  }

  return {
    latestStart(at, from) {
      for (let index = Math.floor(at / CHUNK_MS); index * CHUNK_MS + CHUNK_MS > from; index--) {
        const starts = chunk(index);
        const i = upperBound(starts, at) - 1;
        if (i >= 0) return starts[i]! >= from ? starts[i] : undefined;
      }
      return undefined;
    },
    earliestStartAfter(at, limit) {
      for (let index = Math.floor(at / CHUNK_MS); index * CHUNK_MS <= limit; index++) {
        const starts = chunk(index);
        const i = upperBound(starts, at);
        if (i < starts.length) return starts[i]! <= limit ? starts[i] : undefined;
      }
      return undefined;
    },
  };
}

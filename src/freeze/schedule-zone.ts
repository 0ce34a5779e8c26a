// Wall-clock time in an IANA zone, turned into instants with Intl alone. A "wall" time here is the local date and time
// written as if it were UTC (Date.UTC of its fields): recurrence rules are enumerated on that floating clock, and only
// then placed in the zone, so the gap and overlap rules are ours and the same for every rule.

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
// A zone is sampled this often and bisected where two samples differ. No zone changes its offset twice within a few
// hours, so nothing between two samples is missed.
const SAMPLE_MS = 6 * HOUR_MS;
// Days of offsets kept per zone: two years and a little, beyond what a schedule looks at around one instant.
const MAX_DAYS = 800;

// Abbreviations Intl also accepts (EST, CET, PST8PDT): EST has no daylight saving time, which is rarely what the person
// who wrote it meant, so a zone must be a place (Europe/Berlin), UTC or an Etc/ name.
const PLACE = /^(?:[A-Za-z_-]+(?:\/[A-Za-z0-9_+-]+)+|UTC|GMT)$/;

type ZoneKind = 'zone' | 'abbreviation' | 'unknown';
// The first date format a process builds loads the zone data, some 20 ms, which a process that only reads the policy
// file should not pay: the list of canonical names is cheap, and only a name missing from it (an alias such as
// Asia/Kolkata or US/Eastern, or a mistake) is put to a formatter.
let canonical: ReadonlySet<string> | undefined;

/** Whether `name` is an IANA zone Intl knows, written as a place; an abbreviation Intl accepts is told apart. */
export function classifyTimeZone(name: string): ZoneKind {
  canonical ??= new Set([...Intl.supportedValuesOf('timeZone'), 'UTC']);
  if (!canonical.has(name)) {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: name });
    } catch {
      return 'unknown';
    }
  }
  return PLACE.test(name) ? 'zone' : 'abbreviation';
}

/** One zone's clock: the offset in force at an instant, and the instant a wall-clock time names. */
export interface ZoneClock {
  offsetAt(instant: number): number;
  /**
   * The instant a wall-clock time names, as RFC 5545 reads a local DATE-TIME: a time the clock skips (spring forward)
   * is read with the offset before the gap, so 02:30 becomes 03:30 after the change; a time the clock shows twice
   * (fall back) is its first occurrence.
   */
  wallToInstant(wall: number): number;
}

interface Day {
  offset: number;
  // Where the offset changes within the day, in order.
  changes: Array<{ at: number; offset: number }>;
}

function createOffsetReader(zone: string): (instant: number) => number {
  const format = new Intl.DateTimeFormat('en-US', {
    timeZone: zone,
    hourCycle: 'h23',
    era: 'short',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
  });
  return (instant) => {
    const f: Record<string, string> = {};
    for (const part of format.formatToParts(instant)) f[part.type] = part.value;
    const year = f.era === 'BC' || f.era === 'B' ? 1 - Number(f.year) : Number(f.year);
    const wall = Date.UTC(year, Number(f.month) - 1, Number(f.day), Number(f.hour), Number(f.minute), Number(f.second));
    return wall - Math.floor(instant / 1000) * 1000;
  };
}

/** A zone's clock; offsets are read from Intl a day at a time and kept, so placing many occurrences costs little. */
export function createZoneClock(zone: string): ZoneClock {
  const read = createOffsetReader(zone);
  const days = new Map<number, Day>();

  // The first instant in (from, to] whose offset is `after`, given that `from` has another one.
  function changeBetween(from: number, to: number, after: number): number {
    let lo = from;
    let hi = to;
    while (hi - lo > 1) {
      const mid = lo + Math.floor((hi - lo) / 2);
      if (read(mid) === after) hi = mid;
      else lo = mid;
    }
    return hi;
  }

  function dayOf(index: number): Day {
    const known = days.get(index);
    if (known) return known;
    const start = index * DAY_MS;
    const day: Day = { offset: read(start), changes: [] };
    let previous = day.offset;
    for (let at = start + SAMPLE_MS; at <= start + DAY_MS; at += SAMPLE_MS) {
      const offset = read(at);
      if (offset !== previous) {
        const change = changeBetween(at - SAMPLE_MS, at, offset);
        if (change < start + DAY_MS) day.changes.push({ at: change, offset });
      }
      previous = offset;
    }
    if (days.size >= MAX_DAYS) days.delete(days.keys().next().value!);
    days.set(index, day);
    return day;
  }

  function offsetAt(instant: number): number {
    const day = dayOf(Math.floor(instant / DAY_MS));
    let offset = day.offset;
    for (const change of day.changes) if (change.at <= instant) offset = change.offset;
    return offset;
  }

  function wallToInstant(wall: number): number {
    // The offsets a day either side bound every offset the wall time can have: a zone is at most 14 hours from UTC.
    const before = offsetAt(wall - DAY_MS);
    const after = offsetAt(wall + DAY_MS);
    const candidates = before === after ? [wall - before] : [wall - before, wall - after];
    const valid = candidates.filter((instant) => instant + offsetAt(instant) === wall);
    if (valid.length > 0) return Math.min(...valid);
    return wall - before;
  }

  return { offsetAt, wallToInstant };
}

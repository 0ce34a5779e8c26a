import { suggest } from '../config/suggest.ts';

// A freeze's recurrence as the policy file writes it: an RFC 5545 RRULE, optionally after a DTSTART line. The library
// that enumerates it (schedule-occurrences.ts) drops what it does not understand in silence (BYHOUR=25 and FOO=1 go,
// which would freeze at midnight instead), so every part is checked here, with a message that names it. Checking is
// plain string work: the policy file is read by every process, and building the library's rule costs a quarter of a
// millisecond each.

const FREQS = ['HOURLY', 'DAILY', 'WEEKLY', 'MONTHLY', 'YEARLY'] as const;
type Freq = (typeof FREQS)[number];
const WEEKDAYS = ['MO', 'TU', 'WE', 'TH', 'FR', 'SA', 'SU'];
const PARTS = ['FREQ', 'INTERVAL', 'COUNT', 'UNTIL', 'BYSECOND', 'BYMINUTE', 'BYHOUR', 'BYDAY', 'BYMONTHDAY', 'BYYEARDAY', 'BYWEEKNO', 'BYMONTH', 'BYSETPOS', 'WKST'];
// [least, most, may be negative]: RFC 5545 section 3.3.10. Leap seconds (BYSECOND=60) are left out.
const NUMBER_LISTS: Record<string, [number, number, boolean]> = {
  BYSECOND: [0, 59, false],
  BYMINUTE: [0, 59, false],
  BYHOUR: [0, 23, false],
  BYMONTHDAY: [1, 31, true],
  BYYEARDAY: [1, 366, true],
  BYWEEKNO: [1, 53, true],
  BYMONTH: [1, 12, false],
  BYSETPOS: [1, 366, true],
};
// Without DTSTART the rule counts from a Monday at midnight, so FREQ=WEEKLY alone is Mondays at 00:00 and BYHOUR=17
// alone is 17:00:00. A fixed date keeps the schedule the same in every process and on every day it is read.
const DEFAULT_START = Date.UTC(2000, 0, 3);
const EXAMPLE = 'FREQ=WEEKLY;BYDAY=FR;BYHOUR=17;BYMINUTE=0';
const MAX_COUNT = 1000;

/** A checked rule. Times are wall-clock times: the local date and time read as if UTC (see schedule-zone.ts). */
export interface FreezeRule {
  /** The RRULE's parts as the library reads them, without COUNT and UNTIL: those are applied to what it enumerates. */
  parts: string;
  /** COUNT: how many occurrences there are, counted from DTSTART. */
  count?: number;
  /** DTSTART, or the default start when the rule has none. */
  start: number;
  /** DTSTART's TZID where it names one: it must be the window's time_zone. */
  startZone?: string;
  /** UNTIL, the latest start: local wall time, or an instant when written in UTC (…Z). */
  until?: { wall: number } | { instant: number };
}

export type ParsedRule = { ok: true; rule: FreezeRule } | { ok: false; message: string };

const fail = (message: string): ParsedRule => ({ ok: false, message });
// Inside the parentheses: `config check` follows a message with the value it refused.
const expected = (word: string, choices: readonly string[]) => {
  const s = suggest(word, choices);
  return `(expected ${choices.join(', ')}${s ? `; did you mean ${s}?` : ''})`;
};

// YYYYMMDD[THHMMSS]: the wall time, or undefined when the text is no real date (20260230).
function wallTime(date: string, time = '000000'): number | undefined {
  const [y, mo, d, h, mi, s] = [date.slice(0, 4), date.slice(4, 6), date.slice(6, 8), time.slice(0, 2), time.slice(2, 4), time.slice(4, 6)].map(Number) as [number, number, number, number, number, number];
  const wall = Date.UTC(y, mo - 1, d, h, mi, s);
  const back = new Date(wall);
  const same = back.getUTCFullYear() === y && back.getUTCMonth() === mo - 1 && back.getUTCDate() === d && back.getUTCHours() === h && back.getUTCMinutes() === mi && back.getUTCSeconds() === s;
  return same ? wall : undefined;
}

/** A wall time as RFC 5545 writes a local DATE-TIME: 20260102T170000. */
export const formatWall = (wall: number) => new Date(wall).toISOString().replace(/[-:]/g, '').slice(0, 15);

// The longest each month gets (February in a leap year).
const MONTH_DAYS = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function checkNumbers(name: string, value: string): string | undefined {
  const [least, most, signed] = NUMBER_LISTS[name]!;
  for (const item of value.split(',')) {
    if (!/^[+-]?\d+$/.test(item)) return `${name}=${value}: "${item}" is not a whole number`;
    const n = Math.abs(Number(item));
    if ((!signed && /^-/.test(item)) || n < least || n > most) return `${name}=${value}: ${item} is out of range (expected ${signed ? `${least} to ${most}, or -${most} to -${least} from the end` : `${least} to ${most}`})`;
  }
  return undefined;
}

function checkDays(value: string, freq: Freq, weekNumbers: boolean): string | undefined {
  for (const item of value.split(',')) {
    const m = /^([+-]?\d{1,2})?([A-Z]{2})$/.exec(item);
    if (!m || !WEEKDAYS.includes(m[2]!)) return `BYDAY=${value}: "${item}" is not a weekday (expected ${WEEKDAYS.join(', ')}, optionally numbered as in 1MO or -1FR)`;
    if (m[1] === undefined) continue;
    const n = Math.abs(Number(m[1]));
    if (freq !== 'MONTHLY' && freq !== 'YEARLY') return `BYDAY=${value}: a numbered weekday (${item}) needs FREQ=MONTHLY or YEARLY`;
    if (freq === 'YEARLY' && weekNumbers) return `BYDAY=${value}: a numbered weekday (${item}) cannot be combined with BYWEEKNO`;
    const most = freq === 'MONTHLY' ? 5 : 53;
    if (n < 1 || n > most) return `BYDAY=${value}: ${item} is out of range (expected 1 to ${most}, or -${most} to -1 from the end)`;
  }
  return undefined;
}

// Which parts a frequency may not carry (RFC 5545 section 3.3.10).
function misplaced(freq: Freq, parts: Map<string, string>): string | undefined {
  if (parts.has('BYWEEKNO') && freq !== 'YEARLY') return 'BYWEEKNO needs FREQ=YEARLY';
  if (parts.has('BYYEARDAY') && ['DAILY', 'WEEKLY', 'MONTHLY'].includes(freq)) return `BYYEARDAY cannot be used with FREQ=${freq}`;
  if (parts.has('BYMONTHDAY') && freq === 'WEEKLY') return 'BYMONTHDAY cannot be used with FREQ=WEEKLY';
  if (parts.has('BYSETPOS') && ![...parts.keys()].some((k) => k.startsWith('BY') && k !== 'BYSETPOS')) return 'BYSETPOS picks among the times another BY part makes: add one (such as BYDAY)';
  if (parts.has('COUNT') && parts.has('UNTIL')) return 'COUNT and UNTIL cannot both be given: a rule ends one way';
  // The impossible rule people write (February 30th): one that never occurs would be a freeze that never happens.
  const months = parts.get('BYMONTH')?.split(',').map(Number);
  const days = parts.get('BYMONTHDAY')?.split(',').map(Number);
  if (months && days && days.every((d) => months.every((m) => Math.abs(d) > MONTH_DAYS[m - 1]!))) {
    return `BYMONTH=${parts.get('BYMONTH')} has no day BYMONTHDAY=${parts.get('BYMONTHDAY')}: this rule never occurs`;
  }
  return undefined;
}

// NAME=VALUE;…: every part known, given once, and in range.
function checkParts(body: string): Map<string, string> | string {
  const parts = new Map<string, string>();
  for (const item of body.split(';').filter(Boolean)) {
    const eq = item.indexOf('=');
    const name = eq < 0 ? item : item.slice(0, eq);
    if (!PARTS.includes(name)) return `"${name}" is not an RRULE part ${expected(name, PARTS)}`;
    if (eq < 0 || eq === item.length - 1) return `${name} has no value: write ${name}=…`;
    if (parts.has(name)) return `${name} is given twice`;
    parts.set(name, item.slice(eq + 1));
  }
  const freqText = parts.get('FREQ');
  if (freqText === undefined) return `FREQ is missing (expected a rule such as ${EXAMPLE})`;
  if (freqText === 'MINUTELY' || freqText === 'SECONDLY') return `FREQ=${freqText} repeats too often for a freeze (expected at most hourly: ${FREQS.join(', ')})`;
  if (!(FREQS as readonly string[]).includes(freqText)) return `FREQ=${freqText} is not a frequency ${expected(freqText, FREQS)}`;
  const freq = freqText as Freq;
  for (const name of ['INTERVAL', 'COUNT']) {
    const v = parts.get(name);
    if (v !== undefined && !/^[1-9]\d{0,5}$/.test(v)) return `${name}=${v}: expected a whole number from 1`;
  }
  // Every occurrence of a counted rule is worked out and kept (schedule-occurrences.ts), so there are not too many.
  if (Number(parts.get('COUNT')) > MAX_COUNT) return `COUNT=${parts.get('COUNT')}: expected at most ${MAX_COUNT} (for more, end the rule with UNTIL, or not at all)`;
  for (const [name, value] of parts) {
    const wrong = name in NUMBER_LISTS ? checkNumbers(name, value) : name === 'BYDAY' ? checkDays(value, freq, parts.has('BYWEEKNO')) : undefined;
    if (wrong) return wrong;
  }
  const wkst = parts.get('WKST');
  if (wkst !== undefined && !WEEKDAYS.includes(wkst)) return `WKST=${wkst}: expected one of ${WEEKDAYS.join(', ')}`;
  return misplaced(freq, parts) ?? parts;
}

function parseUntil(value: string): FreezeRule['until'] | string {
  const m = /^(\d{8})(?:T(\d{6})(Z?))?$/.exec(value);
  const wall = m ? wallTime(m[1]!, m[2]) : undefined;
  if (!m || wall === undefined) return `UNTIL=${value} is not a date (expected 20261231, 20261231T235959 in time_zone, or 20261231T225959Z in UTC)`;
  // A date alone ends with its day: every start on it is still in.
  if (m[2] === undefined) return { wall: wall + 86_399_999 };
  return m[3] ? { instant: wall } : { wall };
}

/** Reads a freeze's `rrule` text: the rule, or what is wrong with it in one sentence. */
export function parseFreezeRule(text: string): ParsedRule {
  // A YAML plain scalar folds its line break into a space, so a line starts at a newline or before a property name.
  const lines = text.trim().split(/\s*\n\s*|\s+(?=(?:RRULE|DTSTART)[;:])/i).filter(Boolean);
  let body: string | undefined;
  let start = DEFAULT_START;
  let startZone: string | undefined;
  let hasStart = false;
  for (const line of lines) {
    const dtstart = /^DTSTART(?:;TZID=([^:]+))?:(.*)$/i.exec(line);
    if (dtstart) {
      if (hasStart) return fail('DTSTART is given twice');
      const m = /^(\d{8})T(\d{6})$/.exec(dtstart[2]!.trim());
      const wall = m ? wallTime(m[1]!, m[2]) : undefined;
      if (wall === undefined) return fail(`DTSTART:${dtstart[2]} is not a local date and time (expected DTSTART:20260102T170000, read in time_zone)`);
      [start, startZone, hasStart] = [wall, dtstart[1]?.trim(), true];
      continue;
    }
    const rrule = /^RRULE:(.*)$/i.exec(line) ?? (lines.length === 1 && line.includes('=') ? [line, line] : null);
    if (!rrule) return fail(`unexpected line "${line}" (expected an RRULE such as ${EXAMPLE}, optionally after a DTSTART line)`);
    if (body !== undefined) return fail('RRULE is given twice');
    // Property names and values are case-insensitive, and no value holds a space.
    body = rrule[1]!.replace(/\s+/g, '').toUpperCase();
  }
  if (body === undefined) return fail(`expected an RRULE such as ${EXAMPLE}`);
  const parts = checkParts(body);
  if (typeof parts === 'string') return fail(parts);
  // Both count from DTSTART, so a default one would decide which weeks freeze, or which occurrences count.
  if (!hasStart && (parts.has('COUNT') || Number(parts.get('INTERVAL') ?? 1) > 1)) {
    const which = parts.has('COUNT') ? `COUNT=${parts.get('COUNT')} counts occurrences` : `INTERVAL=${parts.get('INTERVAL')} counts periods`;
    return fail(`${which} from DTSTART: give one on a line before the rule (DTSTART:20260102T170000\\nRRULE:${body})`);
  }
  let until: FreezeRule['until'];
  if (parts.has('UNTIL')) {
    const read = parseUntil(parts.get('UNTIL')!);
    if (typeof read === 'string') return fail(read);
    until = read;
    parts.delete('UNTIL');
  }
  const count = parts.has('COUNT') ? Number(parts.get('COUNT')) : undefined;
  parts.delete('COUNT');
  const rule: FreezeRule = { parts: [...parts].map(([k, v]) => `${k}=${v}`).join(';'), start };
  if (startZone) rule.startZone = startZone;
  if (count !== undefined) rule.count = count;
  if (until) rule.until = until;
  return { ok: true, rule };
}

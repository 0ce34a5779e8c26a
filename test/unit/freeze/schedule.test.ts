import { describe, expect, it } from 'vitest';
import { FreezeWindowSchema } from '../../../src/config/freeze-schema.ts';
import { activeWindows, clearAt, compileSchedule, nextWindow, type CompiledSchedule } from '../../../src/freeze/schedule.ts';

// Scheduled freezes asked at instants around the 2026 daylight saving changes: Europe/Berlin goes forward on 29 March
// (02:00 → 03:00) and back on 25 October (03:00 → 02:00); America/New_York on 8 March and 1 November (at 02:00).
// Expected instants are written in local time with their offset, as a person reads a calendar.

type Input = { rrule: string; time_zone: string; name?: string; duration?: string; services?: string[]; environments?: string[] };
const window = (w: Input) => FreezeWindowSchema.parse({ name: 'w', duration: '30m', reason: `reason of ${w.name ?? 'w'}`, ...w });
const schedule = (...windows: Input[]) => compileSchedule(windows.map(window));

const iso = (local: string) => new Date(local).toISOString();
const ms = (local: string, plus = 0) => new Date(new Date(local).getTime() + plus);
const active = (s: CompiledSchedule, at: Date, service = 'payments', environment = 'production') =>
  activeWindows(s, service, environment, at).map((w) => `${w.name} ${w.startedAt.toISOString()}..${w.endsAt.toISOString()}`);

const WEEKEND = 'FREQ=WEEKLY;BYDAY=FR;BYHOUR=17;BYMINUTE=0';

describe('a weekly Friday 17:00 window for 64h stays at 17:00 local across a change; its end is 64 elapsed hours on', () => {
  it.each([
    ['Berlin, a week before spring forward', 'Europe/Berlin', '2026-03-20T17:00:00+01:00', '2026-03-23T09:00:00+01:00'],
    ['Berlin, the weekend the clock goes forward: ends 10:00 by the clock', 'Europe/Berlin', '2026-03-27T17:00:00+01:00', '2026-03-30T10:00:00+02:00'],
    ['Berlin, a week after', 'Europe/Berlin', '2026-04-03T17:00:00+02:00', '2026-04-06T09:00:00+02:00'],
    ['Berlin, the weekend the clock goes back: ends 08:00 by the clock', 'Europe/Berlin', '2026-10-23T17:00:00+02:00', '2026-10-26T08:00:00+01:00'],
    ['Berlin, a week after', 'Europe/Berlin', '2026-10-30T17:00:00+01:00', '2026-11-02T09:00:00+01:00'],
    ['New York, a week before spring forward', 'America/New_York', '2026-02-27T17:00:00-05:00', '2026-03-02T09:00:00-05:00'],
    ['New York, the weekend the clock goes forward', 'America/New_York', '2026-03-06T17:00:00-05:00', '2026-03-09T10:00:00-04:00'],
    ['New York, a week after', 'America/New_York', '2026-03-13T17:00:00-04:00', '2026-03-16T09:00:00-04:00'],
    ['New York, the weekend the clock goes back', 'America/New_York', '2026-10-30T17:00:00-04:00', '2026-11-02T08:00:00-05:00'],
    ['New York, a week after', 'America/New_York', '2026-11-06T17:00:00-05:00', '2026-11-09T09:00:00-05:00'],
  ])('%s', (_label, zone, start, end) => {
    const s = schedule({ name: 'weekend', rrule: WEEKEND, time_zone: zone, duration: '64h' });
    const occurrence = `weekend ${iso(start)}..${iso(end)}`;
    expect({
      justBefore: active(s, ms(start, -1)),
      atStart: active(s, ms(start)),
      lastMillisecond: active(s, ms(end, -1)),
      atEnd: active(s, ms(end)),
      nextFromJustBefore: nextWindow(s, 'payments', 'production', ms(start, -1))?.startsAt.toISOString(),
      clearFromStart: clearAt(s, 'payments', 'production', ms(start))?.toISOString(),
    }).toEqual({ justBefore: [], atStart: [occurrence], lastMillisecond: [occurrence], atEnd: [], nextFromJustBefore: iso(start), clearFromStart: iso(end) });
  });
});

describe('a local time the clock skips is read with the offset before the gap; one it shows twice is the first', () => {
  it.each([
    ['Berlin 02:30 on 29 March does not exist: 03:30 CEST', 'Europe/Berlin', 'FREQ=DAILY;BYHOUR=2;BYMINUTE=30', ['2026-03-28T02:30:00+01:00', '2026-03-29T03:30:00+02:00', '2026-03-30T02:30:00+02:00']],
    ['New York 02:30 on 8 March does not exist: 03:30 EDT', 'America/New_York', 'FREQ=DAILY;BYHOUR=2;BYMINUTE=30', ['2026-03-07T02:30:00-05:00', '2026-03-08T03:30:00-04:00', '2026-03-09T02:30:00-04:00']],
    ['02:30 and 03:30 on the day 02:30 is skipped are one start', 'Europe/Berlin', 'FREQ=DAILY;BYHOUR=2,3;BYMINUTE=30', ['2026-03-28T03:30:00+01:00', '2026-03-29T03:30:00+02:00', '2026-03-30T02:30:00+02:00']],
    ['New York 01:30 on 1 November happens twice: the first, in EDT', 'America/New_York', 'FREQ=DAILY;BYHOUR=1;BYMINUTE=30', ['2026-10-31T01:30:00-04:00', '2026-11-01T01:30:00-04:00', '2026-11-02T01:30:00-05:00']],
    ['Berlin 02:30 on 25 October happens twice: the first, in CEST', 'Europe/Berlin', 'FREQ=DAILY;BYHOUR=2;BYMINUTE=30', ['2026-10-24T02:30:00+02:00', '2026-10-25T02:30:00+02:00', '2026-10-26T02:30:00+01:00']],
    ['Berlin 01:30 on 25 October happens once', 'Europe/Berlin', 'FREQ=DAILY;BYHOUR=1;BYMINUTE=30', ['2026-10-24T01:30:00+02:00', '2026-10-25T01:30:00+02:00', '2026-10-26T01:30:00+01:00']],
    ['Lord Howe goes forward half an hour: 02:15 on 4 October is 02:45', 'Australia/Lord_Howe', 'FREQ=DAILY;BYHOUR=2;BYMINUTE=15', ['2026-10-03T02:15:00+10:30', '2026-10-04T02:45:00+11:00', '2026-10-05T02:15:00+11:00']],
    ['Lord Howe goes back half an hour: 01:45 on 5 April is the first', 'Australia/Lord_Howe', 'FREQ=DAILY;BYHOUR=1;BYMINUTE=45', ['2026-04-04T01:45:00+11:00', '2026-04-05T01:45:00+11:00', '2026-04-06T01:45:00+10:30']],
    ['a monthly rule on the last Sunday at 02:30, the day Berlin goes forward', 'Europe/Berlin', 'FREQ=MONTHLY;BYDAY=-1SU;BYHOUR=2;BYMINUTE=30', ['2026-02-22T02:30:00+01:00', '2026-03-29T03:30:00+02:00', '2026-04-26T02:30:00+02:00']],
  ])('%s', (_label, zone, rrule, starts) => {
    const s = schedule({ rrule, time_zone: zone });
    const found: string[] = [];
    let at = ms(starts[0]!, -1);
    for (const _ of starts) {
      const next = nextWindow(s, 'payments', 'production', at);
      found.push(next?.startsAt.toISOString() ?? 'none');
      at = next?.startsAt ?? at;
    }
    expect(found).toEqual(starts.map(iso));
  });

  it.each([
    ['New York: the first 01:30 on 1 November starts a window', 'America/New_York', 'FREQ=DAILY;BYHOUR=1;BYMINUTE=30', '2026-11-01T01:30:00-04:00', ['w 2026-11-01T05:30:00.000Z..2026-11-01T06:00:00.000Z']],
    ['New York: the second 01:30 does not', 'America/New_York', 'FREQ=DAILY;BYHOUR=1;BYMINUTE=30', '2026-11-01T01:30:00-05:00', []],
    ['Berlin: the second 02:30 on 25 October does not', 'Europe/Berlin', 'FREQ=DAILY;BYHOUR=2;BYMINUTE=30', '2026-10-25T02:30:00+01:00', []],
    ['Berlin: 01:45 CET on 29 March, before the skipped 02:30, is not frozen', 'Europe/Berlin', 'FREQ=DAILY;BYHOUR=2;BYMINUTE=30', '2026-03-29T01:45:00+01:00', []],
    ['Berlin: 03:30 CEST on 29 March is', 'Europe/Berlin', 'FREQ=DAILY;BYHOUR=2;BYMINUTE=30', '2026-03-29T03:30:00+02:00', ['w 2026-03-29T01:30:00.000Z..2026-03-29T02:00:00.000Z']],
  ])('%s', (_label, zone, rrule, at, expected) => {
    expect(active(schedule({ rrule, time_zone: zone }), ms(at))).toEqual(expected);
  });
});

describe('clearAt follows occurrences that overlap or follow on without a gap', () => {
  const day = [
    { name: 'standup', rrule: 'FREQ=DAILY;BYHOUR=9', time_zone: 'UTC', duration: '1h' },
    // Starts the instant standup ends: back to back.
    { name: 'review', rrule: 'FREQ=DAILY;BYHOUR=10', time_zone: 'UTC', duration: '1h' },
    // Overlaps review and outlasts it.
    { name: 'release', rrule: 'FREQ=DAILY;BYHOUR=10;BYMINUTE=30', time_zone: 'UTC', duration: '2h' },
    // A minute after release ends: a gap, so the way is clear at 12:30.
    { name: 'lunch', rrule: 'FREQ=DAILY;BYHOUR=12;BYMINUTE=31', time_zone: 'UTC', duration: '1h' },
  ];
  it.each([
    ['nothing holds: the instant asked about', day, '2026-06-01T08:00:00Z', '2026-06-01T08:00:00Z'],
    ['through back-to-back and overlapping occurrences of different windows', day, '2026-06-01T09:15:00Z', '2026-06-01T12:30:00Z'],
    ['from the run’s last millisecond', day, '2026-06-01T12:29:59.999Z', '2026-06-01T12:30:00Z'],
    ['at the run’s end, which is no longer frozen', day, '2026-06-01T12:30:00Z', '2026-06-01T12:30:00Z'],
    ['not across the minute’s gap', day, '2026-06-01T12:45:00Z', '2026-06-01T13:31:00Z'],
    ['back-to-back occurrences of one window', [{ name: 'h', rrule: 'FREQ=DAILY;BYHOUR=9,10,11', time_zone: 'UTC', duration: '1h' }], '2026-06-01T09:15:00Z', '2026-06-01T12:00:00Z'],
    ['to the end of a rule: UNTIL, across Berlin’s 23-hour day', [{ name: 'd', rrule: 'FREQ=DAILY;UNTIL=20260331', time_zone: 'Europe/Berlin', duration: '24h' }], '2026-03-28T12:00:00+01:00', '2026-04-01T00:00:00+02:00'],
    ['24 elapsed hours leave an hour of Berlin’s 25-hour day', [{ name: 'd', rrule: 'FREQ=DAILY', time_zone: 'Europe/Berlin', duration: '24h' }], '2026-10-24T12:00:00+02:00', '2026-10-25T23:00:00+01:00'],
    ['never within a year: null', [{ name: 'd', rrule: 'FREQ=DAILY', time_zone: 'UTC', duration: '25h' }], '2026-06-01T12:00:00Z', null],
  ])('%s', (_label, windows, at, expected) => {
    const cleared = clearAt(schedule(...windows), 'payments', 'production', ms(at));
    expect(cleared?.toISOString() ?? null).toEqual(expected && iso(expected));
  });
});

describe('services and environments', () => {
  const s = schedule(
    { name: 'everything', rrule: 'FREQ=DAILY;BYHOUR=12', time_zone: 'UTC' },
    { name: 'payments', rrule: 'FREQ=DAILY;BYHOUR=12', time_zone: 'UTC', services: ['payments'] },
    { name: 'production', rrule: 'FREQ=DAILY;BYHOUR=12', time_zone: 'UTC', environments: ['production'] },
    { name: 'payments-production', rrule: 'FREQ=DAILY;BYHOUR=12', time_zone: 'UTC', services: ['payments', 'ledger'], environments: ['production'] },
    { name: 'search-only', rrule: 'FREQ=DAILY;BYHOUR=15', time_zone: 'UTC', services: ['search'] },
  );
  it.each([
    ['payments', 'production', ['everything', 'payments', 'production', 'payments-production'], 'everything'],
    ['payments', 'staging', ['everything', 'payments'], 'everything'],
    ['ledger', 'production', ['everything', 'production', 'payments-production'], 'everything'],
    ['search', 'staging', ['everything'], 'search-only'],
  ])('%s in %s', (service, environment, names, next) => {
    const at = new Date('2026-06-01T12:10:00Z');
    expect({
      active: activeWindows(s, service, environment, at).map((w) => w.name),
      clear: clearAt(s, service, environment, at)?.toISOString(),
      // The next day's noon, first in the policy on a tie, unless search's 15:00 comes sooner.
      next: nextWindow(s, service, environment, at)?.name,
    }).toEqual({ active: names, clear: '2026-06-01T12:30:00.000Z', next });
  });
});

describe('nextWindow', () => {
  it.each([
    ['strictly after: asked at a start, the one after it', [{ rrule: 'FREQ=DAILY;BYHOUR=9', time_zone: 'UTC' }], '2026-06-01T09:00:00Z', 'w 2026-06-02T09:00:00Z'],
    ['on a tie, the first in the policy', [{ name: 'b', rrule: 'FREQ=DAILY;BYHOUR=9', time_zone: 'UTC' }, { name: 'a', rrule: 'FREQ=WEEKLY;BYDAY=TU;BYHOUR=9', time_zone: 'UTC' }], '2026-06-01T10:00:00Z', 'b 2026-06-02T09:00:00Z'],
    ['the earliest of several windows', [{ name: 'late', rrule: 'FREQ=DAILY;BYHOUR=18', time_zone: 'UTC' }, { name: 'early', rrule: 'FREQ=DAILY;BYHOUR=17', time_zone: 'Europe/Berlin' }], '2026-06-01T12:00:00Z', 'early 2026-06-01T17:00:00+02:00'],
    ['a rule past its UNTIL: none', [{ rrule: 'FREQ=DAILY;UNTIL=20260101T000000Z', time_zone: 'UTC' }], '2026-06-01T12:00:00Z', null],
    ['a rule past its COUNT: none', [{ rrule: 'DTSTART:20260101T090000\nRRULE:FREQ=DAILY;COUNT=3', time_zone: 'UTC' }], '2026-01-03T09:00:00Z', null],
    ['the last of a counted rule, past a skipped 02:30', [{ rrule: 'DTSTART:20260326T023000\nRRULE:FREQ=DAILY;COUNT=5', time_zone: 'Europe/Berlin' }], '2026-03-29T12:00:00+02:00', 'w 2026-03-30T02:30:00+02:00'],
    ['and none after it', [{ rrule: 'DTSTART:20260326T023000\nRRULE:FREQ=DAILY;COUNT=5', time_zone: 'Europe/Berlin' }], '2026-03-30T02:30:00+02:00', null],
    ['a counted rule whose next occurrence is more than a year ahead (29 February 2028): none', [{ rrule: 'DTSTART:20200229T120000\nRRULE:FREQ=YEARLY;COUNT=3', time_zone: 'UTC' }], '2026-06-01T00:00:00Z', null],
    ['a rule counted from DTSTART: every other Friday from 2 January', [{ rrule: 'DTSTART;TZID=Europe/Berlin:20260102T170000\nRRULE:FREQ=WEEKLY;INTERVAL=2', time_zone: 'Europe/Berlin' }], '2026-03-21T00:00:00+01:00', 'w 2026-03-27T17:00:00+01:00'],
    ['a yearly rule, most of a year ahead', [{ rrule: 'FREQ=YEARLY;BYMONTH=12;BYMONTHDAY=24;BYHOUR=12', time_zone: 'America/New_York' }], '2026-01-01T00:00:00Z', 'w 2026-12-24T12:00:00-05:00'],
    ['a leap day, more than a year ahead: none', [{ rrule: 'FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29', time_zone: 'UTC' }], '2026-06-01T00:00:00Z', null],
  ])('%s', (_label, windows, at, expected) => {
    const next = nextWindow(schedule(...windows), 'payments', 'production', ms(at));
    const [name, start] = expected?.split(' ') ?? [];
    expect(next && { name: next.name, startsAt: next.startsAt.toISOString(), reason: next.reason }).toEqual(expected && { name, startsAt: iso(start!), reason: `reason of ${name}` });
  });
});

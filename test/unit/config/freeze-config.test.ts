import { describe, expect, it } from 'vitest';
import { checkConfigText } from '../../../src/config/check-config.ts';
import { parseConfig } from '../../../src/config/load.ts';
import { compileSchedule, nextWindow } from '../../../src/freeze/schedule.ts';

// `freezes:` in a policy file, read by `config check`: a bad rule or zone is named with its line and column, and
// with what is wrong with it.

const BASE = `environments: { production: {}, staging: {} }
services:
  payments:
    environments: [production]
    executor: { kind: command, argv: [./rollback.sh] }
  search:
    environments: [staging]
    executor: { kind: command, argv: [./rollback.sh] }
freezes:
  - name: weekend
    rrule: "FREQ=WEEKLY;BYDAY=FR;BYHOUR=17;BYMINUTE=0"
    time_zone: Europe/Berlin
    duration: 64h
    reason: Weekend change freeze
    services: [payments]
    environments: [production]
`;

function edited(...edits: Array<[from: string, to: string]>): string {
  return edits.reduce((text, [from, to]) => {
    expect(text.split(from).length - 1, `"${from}" occurs once`).toBe(1);
    return text.replace(from, to);
  }, BASE);
}

const check = (text: string) => {
  const r = checkConfigText(text);
  return r.ok ? [] : r.errors.map((e) => `${e.line}:${e.column}: ${e.path}: ${e.message}`);
};

const withRule = (rule: string) => edited(['"FREQ=WEEKLY;BYDAY=FR;BYHOUR=17;BYMINUTE=0"', JSON.stringify(rule)]);

describe('freezes in the policy file', () => {
  it('reads a window, its duration as milliseconds, and none when the key is left out', () => {
    const r = checkConfigText(BASE);
    expect(r.ok && r.config.raw.freezes).toEqual([
      { name: 'weekend', rrule: 'FREQ=WEEKLY;BYDAY=FR;BYHOUR=17;BYMINUTE=0', time_zone: 'Europe/Berlin', duration: 64 * 3_600_000, reason: 'Weekend change freeze', services: ['payments'], environments: ['production'] },
    ]);
    const none = checkConfigText(BASE.slice(0, BASE.indexOf('freezes:')));
    expect(none.ok && none.config.raw.freezes).toEqual([]);
  });

  it.each([
    ['a plain rule', 'FREQ=WEEKLY;BYDAY=FR;BYHOUR=17;BYMINUTE=0'],
    ['the RRULE: prefix, lower case and spaces', 'rrule:freq=daily; byhour=2; byminute=30'],
    ['DTSTART on its own line, in the window’s zone', 'DTSTART;TZID=Europe/Berlin:20260102T170000\nRRULE:FREQ=WEEKLY;INTERVAL=2'],
    ['DTSTART without a zone, and COUNT', 'DTSTART:20260102T170000\nRRULE:FREQ=DAILY;COUNT=300'],
    ['DTSTART and RRULE folded onto one line, as a plain YAML scalar folds them', 'DTSTART:20260102T170000 RRULE:FREQ=WEEKLY;INTERVAL=3'],
    ['UNTIL as a date', 'FREQ=DAILY;BYHOUR=9;UNTIL=20301231'],
    ['UNTIL as a local time', 'FREQ=DAILY;BYHOUR=9;UNTIL=20301231T090000'],
    ['UNTIL as an instant', 'FREQ=DAILY;BYHOUR=9;UNTIL=20301231T080000Z'],
    ['numbered weekdays and BYSETPOS', 'FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1;BYHOUR=12'],
    ['week numbers', 'FREQ=YEARLY;BYWEEKNO=1,-1;BYDAY=MO;WKST=SU'],
    ['days of the year and of the month', 'FREQ=YEARLY;BYYEARDAY=1,-1;BYMONTHDAY=1,-1'],
    ['hourly', 'FREQ=HOURLY;INTERVAL=1;BYMINUTE=0;BYSECOND=0'],
  ])('accepts %s, and the schedule builds it', (_name, rule) => {
    const r = checkConfigText(withRule(rule));
    expect(r.ok ? [] : r.errors).toEqual([]);
    const schedule = compileSchedule(r.ok ? r.config.raw.freezes : []);
    expect(nextWindow(schedule, 'payments', 'production', new Date('2026-01-01T00:00:00Z'))).not.toBeNull();
  });

  it.each([
    ['an hour out of range', withRule('FREQ=DAILY;BYHOUR=25'), ['11:12: freezes[0].rrule: BYHOUR=25: 25 is out of range (expected 0 to 23), got "FREQ=DAILY;BYHOUR=25"']],
    ['a mistyped frequency', withRule('FREQ=WEEKY;BYDAY=FR'), ['11:12: freezes[0].rrule: FREQ=WEEKY is not a frequency (expected HOURLY, DAILY, WEEKLY, MONTHLY, YEARLY; did you mean WEEKLY?), got "FREQ=WEEKY;BYDAY=FR"']],
    ['a frequency too fine for a freeze', withRule('FREQ=MINUTELY'), ['11:12: freezes[0].rrule: FREQ=MINUTELY repeats too often for a freeze (expected at most hourly: HOURLY, DAILY, WEEKLY, MONTHLY, YEARLY), got "FREQ=MINUTELY"']],
    ['no frequency', withRule('BYDAY=FR'), ['11:12: freezes[0].rrule: FREQ is missing (expected a rule such as FREQ=WEEKLY;BYDAY=FR;BYHOUR=17;BYMINUTE=0), got "BYDAY=FR"']],
    ['a part that is not one', withRule('FREQ=DAILY;BYHOURS=9'), [expect.stringMatching(/^11:12: freezes\[0\]\.rrule: "BYHOURS" is not an RRULE part \(expected FREQ, .*; did you mean BYHOUR\?\), got "FREQ=DAILY;BYHOURS=9"$/)]],
    ['a weekday misspelt', withRule('FREQ=WEEKLY;BYDAY=FRI'), ['11:12: freezes[0].rrule: BYDAY=FRI: "FRI" is not a weekday (expected MO, TU, WE, TH, FR, SA, SU, optionally numbered as in 1MO or -1FR), got "FREQ=WEEKLY;BYDAY=FRI"']],
    ['a numbered weekday in a weekly rule', withRule('FREQ=WEEKLY;BYDAY=1FR'), ['11:12: freezes[0].rrule: BYDAY=1FR: a numbered weekday (1FR) needs FREQ=MONTHLY or YEARLY, got "FREQ=WEEKLY;BYDAY=1FR"']],
    ['a part given twice', withRule('FREQ=DAILY;BYHOUR=9;BYHOUR=10'), ['11:12: freezes[0].rrule: BYHOUR is given twice, got "FREQ=DAILY;BYHOUR=9;BYHOUR=10"']],
    ['COUNT and UNTIL together', withRule('DTSTART:20260101T000000\nRRULE:FREQ=DAILY;COUNT=2;UNTIL=20261231'), [expect.stringMatching(/^11:12: freezes\[0\]\.rrule: COUNT and UNTIL cannot both be given: a rule ends one way, got /)]],
    ['too many to count', withRule('DTSTART:20260101T000000\nRRULE:FREQ=HOURLY;COUNT=5000'), [expect.stringMatching(/^11:12: freezes\[0\]\.rrule: COUNT=5000: expected at most 1000 \(for more, end the rule with UNTIL, or not at all\), got /)]],
    ['February 30th', withRule('FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30'), ['11:12: freezes[0].rrule: BYMONTH=2 has no day BYMONTHDAY=30: this rule never occurs, got "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30"']],
    ['INTERVAL without DTSTART', withRule('FREQ=WEEKLY;INTERVAL=2'), ['11:12: freezes[0].rrule: INTERVAL=2 counts periods from DTSTART: give one on a line before the rule (DTSTART:20260102T170000\\nRRULE:FREQ=WEEKLY;INTERVAL=2), got "FREQ=WEEKLY;INTERVAL=2"']],
    ['a DTSTART in UTC', withRule('DTSTART:20260102T170000Z\nRRULE:FREQ=DAILY'), [expect.stringMatching(/^11:12: freezes\[0\]\.rrule: DTSTART:20260102T170000Z is not a local date and time \(expected DTSTART:20260102T170000, read in time_zone\), got /)]],
    ['a DTSTART in another zone', withRule('DTSTART;TZID=Europe/Paris:20260102T170000\nRRULE:FREQ=DAILY'), [expect.stringMatching(/^11:12: freezes\[0\]\.rrule: DTSTART's TZID Europe\/Paris is not time_zone Europe\/Berlin: write DTSTART without TZID, or with the same zone, got /)]],
    ['a line that is neither', withRule('EXDATE:20261225T170000\nRRULE:FREQ=DAILY'), [expect.stringMatching(/^11:12: freezes\[0\]\.rrule: unexpected line "EXDATE:20261225T170000" \(expected an RRULE such as/)]],
    ['a number for a rule', edited(['"FREQ=WEEKLY;BYDAY=FR;BYHOUR=17;BYMINUTE=0"', '5']), ['11:12: freezes[0].rrule: expected an RRULE such as FREQ=WEEKLY;BYDAY=FR;BYHOUR=17;BYMINUTE=0, got 5']],
    ['a time zone misspelt', edited(['Europe/Berlin', 'Europe/Berln']), ['12:16: freezes[0].time_zone: unknown time zone "Europe/Berln" (expected an IANA name such as Europe/Berlin); did you mean "Europe/Berlin"?']],
    ['a city for a time zone', edited(['Europe/Berlin', 'New York']), ['12:16: freezes[0].time_zone: unknown time zone "New York" (expected an IANA name such as Europe/Berlin); did you mean "America/New_York"?']],
    ['an abbreviation for a time zone', edited(['Europe/Berlin', 'EST']), ['12:16: freezes[0].time_zone: "EST" is an abbreviation, not a place: write the IANA name of one, such as Europe/Berlin or America/New_York, whose clock follows its daylight saving time']],
    ['a duration in words', edited(['duration: 64h', 'duration: 64 hours']), ['13:15: freezes[0].duration: expected a duration such as 30s, 15m or 1h, got "64 hours"']],
    ['a misspelt key', edited(['    time_zone:', '    timezone:']), ['10:5: freezes[0].time_zone: missing required key "time_zone" (a string)', '12:5: freezes[0].timezone: unknown key "timezone"; did you mean "time_zone"?']],
    ['an empty list of services', edited(['services: [payments]', 'services: []']), ['15:15: freezes[0].services: expected at least one service (leave services out to freeze every service), got an empty list']],
  ])('%s', (_name, text, expected) => {
    expect(check(text)).toEqual(expected);
  });

  it.each([
    ['a service the file does not define', edited(['services: [payments]', 'services: [payment]']), ['15:16: freezes[0].services[0]: unknown service "payment" (not under services); did you mean "payments"?']],
    ['an environment the file does not define', edited(['[payments]\n    environments: [production]', '[payments]\n    environments: [prod]']), ['16:20: freezes[0].environments[0]: unknown environment "prod" (not under environments); did you mean "production"?']],
    ['services that deploy to none of the environments', edited(['services: [payments]', 'services: [search]']), ['16:19: freezes[0].environments: no service this freeze names deploys to production: it holds nothing']],
    ['a name used twice', `${BASE}  - { name: weekend, rrule: FREQ=DAILY, time_zone: UTC, duration: 1h, reason: again }\n`, ['17:13: freezes[1].name: freeze "weekend" is already freezes[0]; a freeze\'s name is its own']],
  ])('%s (checked after the schema)', (_name, text, expected) => {
    expect(check(text)).toEqual(expected);
  });

  it('tells the HTTP API the same, by path', () => {
    const r = parseConfig(edited(['Europe/Berlin', 'Europe/Berln']));
    expect(!r.ok && r.errors).toEqual([{ path: 'freezes[0].time_zone', message: 'unknown time zone "Europe/Berln" (expected an IANA name such as Europe/Berlin); did you mean "Europe/Berlin"?' }]);
  });
});

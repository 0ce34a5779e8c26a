import { z } from 'zod';
import { parseFreezeRule } from '../freeze/schedule-rule.ts';
import { classifyTimeZone } from '../freeze/schedule-zone.ts';
import { DurationSchema } from './duration.ts';
import { suggest } from './suggest.ts';

// A scheduled freeze: forward deploys of the services and environments it names are refused while one of its
// occurrences lasts (src/freeze/schedule.ts answers when). The rule and the zone are checked here, as the file is read,
// so a freeze that would never happen, or happen at the wrong hour, is an error with a line and a column.

// The policy file's names (schema.ts): a freeze names its services and environments as they are written there.
const Name = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'expected a lowercase name of letters, digits, _ or -');
const RULE_EXAMPLE = 'FREQ=WEEKLY;BYDAY=FR;BYHOUR=17;BYMINUTE=0';
const HOUR_MS = 3_600_000;
// A longer one is no schedule but a standing freeze; and a year is as far as the schedule looks back.
const MAX_DURATION_MS = 8760 * HOUR_MS;

// The zone a person most likely meant: a city written alone (Berlin, New York) or a slip of a letter or two.
function nearestZone(name: string): string | undefined {
  const zones = [...Intl.supportedValuesOf('timeZone'), 'UTC'];
  const city = name.trim().replace(/\s+/g, '_').toLowerCase();
  const byCity = zones.filter((z) => z.slice(z.lastIndexOf('/') + 1).toLowerCase() === city);
  return byCity.length === 1 ? byCity[0] : suggest(name, zones);
}

const RuleSchema = z.string({ error: `expected an RRULE such as ${RULE_EXAMPLE}` }).superRefine((text, ctx) => {
  const parsed = parseFreezeRule(text);
  if (!parsed.ok) ctx.addIssue({ code: 'custom', message: parsed.message });
});

const TimeZoneSchema = z.string({ error: 'expected an IANA time zone such as Europe/Berlin' }).superRefine((name, ctx) => {
  const kind = classifyTimeZone(name);
  if (kind === 'abbreviation') {
    ctx.addIssue({ code: 'custom', message: `"${name}" is an abbreviation, not a place: write the IANA name of one, such as Europe/Berlin or America/New_York, whose clock follows its daylight saving time` });
  } else if (kind === 'unknown') {
    const nearest = nearestZone(name);
    ctx.addIssue({ code: 'custom', message: `unknown time zone "${name}" (expected an IANA name such as Europe/Berlin)${nearest ? `; did you mean "${nearest}"?` : ''}` });
  }
});

export const FreezeWindowSchema = z
  .strictObject({
    name: Name,
    // RFC 5545 RRULE, optionally after a DTSTART line: "DTSTART:20260102T170000\nRRULE:FREQ=WEEKLY;INTERVAL=2".
    // Occurrences are wall-clock times in time_zone; DTSTART, when given, is one too.
    rrule: RuleSchema,
    time_zone: TimeZoneSchema,
    // Elapsed time from each start: across a daylight saving change the local end moves by the change.
    duration: DurationSchema.refine((ms) => ms >= 60_000, 'expected at least 1m').refine((ms) => ms <= MAX_DURATION_MS, 'expected at most 8760h (a year)'),
    // What a refused deploy is told.
    reason: z.string().trim().min(1).max(200),
    // Left out: every service, or every environment.
    services: z.array(Name).min(1, 'expected at least one service (leave services out to freeze every service)').optional(),
    environments: z.array(Name).min(1, 'expected at least one environment (leave environments out to freeze every environment)').optional(),
  })
  .superRefine((window, ctx) => {
    const parsed = parseFreezeRule(window.rrule);
    const zone = parsed.ok ? parsed.rule.startZone : undefined;
    // One zone per window: a DTSTART in another one would move every occurrence by the difference.
    if (zone !== undefined && zone !== window.time_zone) {
      ctx.addIssue({ code: 'custom', path: ['rrule'], message: `DTSTART's TZID ${zone} is not time_zone ${window.time_zone}: write DTSTART without TZID, or with the same zone` });
    }
  });
export type FreezeWindow = z.infer<typeof FreezeWindowSchema>;

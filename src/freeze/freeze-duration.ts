import { z } from 'zod';
import { parseDuration } from '../config/duration.ts';
import { MAX_FREEZE_MS } from './set-freeze.ts';

const DAY_MS = 24 * 3_600_000;
const EXPECTED = 'expected a duration such as 30m, 2h or 3d (at most 30d)';

/** How long a freeze set by hand lasts: "2h", "3d". Days are allowed here, since freezes are often that long. */
export function parseFreezeDuration(text: string): number | undefined {
  const days = /^(\d+(?:\.\d+)?)d$/.exec(text.trim());
  const ms = days ? Math.round(Number(days[1]) * DAY_MS) : parseDuration(text);
  return ms !== undefined && ms >= 1000 && ms <= MAX_FREEZE_MS ? ms : undefined;
}

export const FreezeDurationSchema = z.string({ error: EXPECTED }).transform((text, ctx) => {
  const ms = parseFreezeDuration(text);
  if (ms === undefined) {
    ctx.addIssue({ code: 'custom', message: `${EXPECTED}, got "${text.slice(0, 40)}"` });
    return z.NEVER;
  }
  return ms;
});

import type { APIEmbed } from 'discord.js';
import { truncate } from './text.ts';

// Discord's embed limits (FIELD-NOTES "Discord limits"). Exceeding one is a 400 and a lost message, so every embed
// passes through fitEmbeds before it is sent.
export const LIMITS = {
  title: 256,
  description: 4096,
  fields: 25,
  fieldName: 256,
  fieldValue: 1024,
  footer: 2048,
  author: 256,
  total: 6000,
  embeds: 10,
  content: 2000,
} as const;

function embedLength(e: APIEmbed): number {
  return (
    (e.title?.length ?? 0) +
    (e.description?.length ?? 0) +
    (e.footer?.text.length ?? 0) +
    (e.author?.name.length ?? 0) +
    (e.fields ?? []).reduce((n, f) => n + f.name.length + f.value.length, 0)
  );
}

function fitOne(e: APIEmbed): APIEmbed {
  const fields = (e.fields ?? []).slice(0, LIMITS.fields).map((f) => ({
    ...f,
    name: truncate(f.name, LIMITS.fieldName) || '\u200b',
    value: truncate(f.value, LIMITS.fieldValue) || '\u200b',
  }));
  return {
    ...e,
    ...(e.title !== undefined ? { title: truncate(e.title, LIMITS.title) } : {}),
    ...(e.description !== undefined ? { description: truncate(e.description, LIMITS.description) } : {}),
    ...(e.footer ? { footer: { ...e.footer, text: truncate(e.footer.text, LIMITS.footer) } } : {}),
    ...(e.author ? { author: { ...e.author, name: truncate(e.author.name, LIMITS.author) } } : {}),
    ...(e.fields ? { fields } : {}),
  };
}

/**
 * Every limit, including the 6000-character total across a message's embeds, which Discord's schema does not state:
 * over budget, the longest texts are shortened first (visibly), never dropped in silence.
 */
export function fitEmbeds(embeds: APIEmbed[]): APIEmbed[] {
  const fitted = embeds.slice(0, LIMITS.embeds).map(fitOne);
  let total = fitted.reduce((n, e) => n + embedLength(e), 0);
  while (total > LIMITS.total) {
    // Shorten the longest piece of text by what is over (at least 64 characters so this converges quickly).
    let best: { get: () => string; set: (v: string) => void } | null = null;
    let bestLen = 0;
    for (const e of fitted) {
      if ((e.description?.length ?? 0) > bestLen) {
        bestLen = e.description!.length;
        best = { get: () => e.description!, set: (v) => (e.description = v) };
      }
      for (const f of e.fields ?? []) {
        if (f.value.length > bestLen) {
          bestLen = f.value.length;
          best = { get: () => f.value, set: (v) => (f.value = v) };
        }
      }
    }
    if (!best || bestLen <= 20) break;
    const cut = Math.max(64, total - LIMITS.total);
    const next = truncate(best.get(), Math.max(20, bestLen - cut));
    total -= bestLen - next.length;
    best.set(next);
  }
  return fitted;
}

/** A line whose `fixed` part (markup, a name) must stay whole, and whose `text` part (what a person typed) may be cut. */
export interface FitLine {
  fixed: string;
  text: string;
}

// Shorter than this, a cut reason says nothing; below it, whole lines go instead (and say how many).
const MIN_TEXT = 24;

/**
 * Joins lines within `budget` characters, sharing the room fairly: short texts stay whole, long ones are cut to an
 * equal share (visibly), so one 1000-character reason cannot push every other line out. Only the `text` parts are
 * cut, never the markup around them; when even that does not fit, the last lines are dropped and counted.
 */
export function fitLines(lines: FitLine[], budget: number): string {
  const more = (n: number) => (n ? `… and ${n} more` : '');
  const cost = (kept: FitLine[], dropped: number) =>
    kept.reduce((n, l) => n + l.fixed.length + Math.min(l.text.length, MIN_TEXT), 0) + Math.max(0, kept.length - 1) + (dropped ? more(dropped).length + (kept.length ? 1 : 0) : 0);
  let kept = lines;
  while (kept.length && cost(kept, lines.length - kept.length) > budget) kept = kept.slice(0, -1);
  const dropped = lines.length - kept.length;

  let room = budget - (cost(kept, dropped) - kept.reduce((n, l) => n + Math.min(l.text.length, MIN_TEXT), 0));
  const share: number[] = [];
  const byLength = kept.map((_, i) => i).sort((a, b) => kept[a]!.text.length - kept[b]!.text.length);
  byLength.forEach((line, i) => {
    share[line] = Math.min(kept[line]!.text.length, Math.floor(room / (byLength.length - i)));
    room -= share[line];
  });
  const out = kept.map((l, i) => l.fixed + truncate(l.text, share[i]!));
  if (dropped) out.push(more(dropped));
  return out.join('\n');
}

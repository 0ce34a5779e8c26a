import type { Colors } from './terminal.ts';

// The small pieces every human answer of the CLI shares: times, durations, cut text, a coloured status.

/** 41 → "41 ms", 1234 → "1.2 s", 123000 → "2 min 3 s", 3720000 → "1 h 2 min". */
export function formatMs(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.round(ms))} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const s = Math.round(ms / 1000);
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}

const two = (n: number) => String(n).padStart(2, '0');

/** A stored time in the reader's local time, to the second: "2026-05-02 14:03:12". */
export function formatWhen(iso: string | Date, withSeconds = true): string {
  const d = typeof iso === 'string' ? new Date(iso) : iso;
  const day = `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())}`;
  return `${day} ${two(d.getHours())}:${two(d.getMinutes())}${withSeconds ? `:${two(d.getSeconds())}` : ''}`;
}

/** The local zone as an offset, for a header that says which clock its times are on: "UTC", "UTC+02:00". */
export function zoneLabel(at: Date): string {
  const offset = -at.getTimezoneOffset();
  if (offset === 0) return 'UTC';
  const abs = Math.abs(offset);
  return `UTC${offset > 0 ? '+' : '-'}${two(Math.floor(abs / 60))}:${two(abs % 60)}`;
}

/** One line of text cut to `max` characters, with an ellipsis when something was cut. */
export function cut(text: string, max: number): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length <= max ? line : `${line.slice(0, Math.max(1, max - 1))}…`;
}

export const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** Colours carry the outcome, never the meaning alone: the word is always printed too. */
export function paintStatus(status: string, c: Colors): string {
  switch (status) {
    case 'succeeded':
      return c.green(status);
    case 'failed':
      return c.bold(c.red(status));
    case 'awaiting_approval':
    case 'expired':
      return c.yellow(status);
    case 'rejected':
      return c.magenta(status);
    case 'cancelled':
      return c.dim(status);
    default:
      return c.cyan(status);
  }
}

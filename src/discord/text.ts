import { escapeMarkdown } from 'discord.js';

const ZWSP = '\u200b';

/**
 * Text a person typed (a reason, a name), made inert for Discord: markdown is escaped so it cannot restyle the card,
 * and `@` / `<` get a zero-width space so `@everyone` or `<@&role>` never even render as a mention. (allowed_mentions
 * being empty already stops the ping; this stops the look of one.)
 */
export function userText(text: string): string {
  return escapeMarkdown(text).replace(/@/g, `@${ZWSP}`).replace(/</g, `<${ZWSP}`);
}

/**
 * Text for inside an inline code span. Discord shows a code span's contents literally (a backslash escape would
 * appear as a backslash, and mentions do not render there), so the only danger is a backtick closing the span early:
 * it becomes a look-alike (ˋ) that cannot. Found by the sandbox page, which renders cards as Discord does.
 */
export function codeText(text: string): string {
  return text.replace(/`/g, 'ˋ').replace(/\n/g, ' ');
}

/** Cuts to `max` characters with a visible marker, so a reader knows there was more. */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  const marker = '… (truncated)';
  return text.slice(0, Math.max(0, max - marker.length)) + marker;
}

/** A Discord relative timestamp ("in 12 minutes"), rendered in each reader's own time zone. */
export const relativeTime = (d: Date) => `<t:${Math.floor(d.getTime() / 1000)}:R>`;

export const shortId = (uuid: string) => uuid.slice(0, 8);

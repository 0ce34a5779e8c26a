import { closest, distance } from 'fastest-levenshtein';

/**
 * The candidate a mistyped word most likely meant, or undefined when none is close. A third of the shorter word's
 * length (at least 1) allows a slip of one or two characters (aproval_timeout, promethues) without pairing words that
 * merely share letters (shell and command).
 */
export function suggest(word: string, candidates: readonly string[]): string | undefined {
  if (candidates.length === 0 || candidates.includes(word)) return undefined;
  // Case is the commonest slip of all (Production, PROMETHEUS); it costs nothing.
  const folded = candidates.find((c) => c.toLowerCase() === word.toLowerCase());
  if (folded) return folded;
  const best = closest(word, candidates);
  const allowed = Math.max(1, Math.floor(Math.min(word.length, best.length) / 3));
  if (distance(word, best) <= allowed) return best;
  // A word cut short or run on (http for http_probe, warning for warn), when only one candidate fits that way.
  const fits = candidates.filter((c) => Math.min(c.length, word.length) >= 3 && (c.startsWith(word) || word.startsWith(c)));
  return fits.length === 1 ? fits[0] : undefined;
}

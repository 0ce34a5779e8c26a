import { existsSync, readFileSync } from 'node:fs';
import { waitFor } from '../harness.ts';

// test/fixtures/rollback.sh appends "started <key>" to <file>.started when it begins and "<key> <version>" to <file>
// when its side effect happens; the key is the rollback's event id. These count both per event.

function countFirstWord(path: string, skipPrefix = ''): Map<string, number> {
  const counts = new Map<string, number>();
  if (!existsSync(path)) return counts;
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    const key = line.slice(skipPrefix.length).split(' ')[0];
    if (!line.trim() || !key) continue;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}

export const sideEffects = (file: string) => countFirstWord(file);
export const starts = (file: string) => countFirstWord(`${file}.started`, 'started ');

/** Events whose side effect happened more than once. */
export const doubled = (file: string) => [...sideEffects(file)].filter(([, n]) => n > 1).map(([key]) => key);

/**
 * A killed worker orphans its running script (it has its own process group), which still finishes its side effect.
 * Wait until every started script has finished, so the counts are complete before anyone asserts on them.
 */
export async function orphansSettled(file: string, timeoutMs = 15_000): Promise<void> {
  await waitFor('every started rollback script to finish its side effect', async () => {
    const done = sideEffects(file);
    return [...starts(file).keys()].every((key) => done.has(key));
  }, timeoutMs, 100);
}

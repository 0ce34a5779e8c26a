// What the harness starts, by name: the leak guard fails a file that did not close each one. Lower-level leaks
// (a timer, a server, a child) are caught by probes.ts too, but "startBackstop() was never closed" says it better.

export interface Started {
  what: string;
  site: Error;
  closed: boolean;
}

const started = new Set<Started>();
const queuePrefixes = new Set<string>();

/** Registers something that must be closed before the file ends; call the returned function when it is. */
export function track(what: string): () => void {
  const entry: Started = { what, site: new Error('started here'), closed: false };
  started.add(entry);
  return () => {
    entry.closed = true;
    started.delete(entry);
  };
}

/** Wraps close() so that closing (even a failed close) marks it closed. */
export function trackClose<T extends { close(): Promise<void> }>(what: string, thing: T): T {
  const closed = track(what);
  const close = thing.close.bind(thing);
  thing.close = () => close().finally(closed);
  return thing;
}

/** A BullMQ prefix this file's queues and workers use: no Redis client of it may stay connected. */
export function trackQueuePrefix(prefix: string): void {
  queuePrefixes.add(prefix);
}

export const unclosed = (): Started[] => [...started];
export const trackedQueuePrefixes = (): string[] => [...queuePrefixes];

import { setTimeout as delay } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { afterAll } from 'vitest';
import { framesOf, installProbes, stillRunning } from './leaks/probes.ts';
import { trackedQueuePrefixes, unclosed } from './leaks/track.ts';
import { REDIS_URL } from './pg-admin.ts';

// A setup file (vitest.config.ts, vitest.faults.config.ts): each test file fails if it leaves running what it
// started (a BullMQ worker, a server, a child process, a timer), as graphile/worker's tests fail on a live worker.
// Vitest runs every file in a fresh process, so "started" means started while this file ran.

installProbes();

/** Time for what is already stopping to finish: a killed child being reaped, a socket closing, a timer firing. */
const SETTLE_MS = 3_000;

const describeSite = (site: Error) => framesOf(site).join(' ← ');

function leaksNow(): string[] {
  return [
    ...unclosed().map((s) => `${s.what} was never closed (started at ${describeSite(s.site)})`),
    ...stillRunning().map((r) => `${r.what} (started at ${describeSite(r.site)})`),
  ];
}

/** BullMQ names each worker's Redis connection "<prefix>:<queue>": any still connected belongs to an open worker or queue. */
async function openQueueClients(prefixes: string[]): Promise<string[]> {
  if (prefixes.length === 0) return [];
  const redis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => null });
  try {
    await redis.connect();
    for (let deadline = Date.now() + SETTLE_MS; ; await delay(25)) {
      const list = String(await redis.client('LIST'));
      const names = [...list.matchAll(/ name=(\S+)/g)].map((m) => m[1]!).filter((n) => prefixes.some((p) => n.startsWith(`${p}:`)));
      if (names.length === 0 || Date.now() > deadline) return names.map((n) => `a BullMQ Redis connection "${n}" is still open (a Worker or Queue was not closed)`);
    }
  } finally {
    redis.disconnect();
  }
}

afterAll(async () => {
  let leaks = leaksNow();
  for (const deadline = Date.now() + SETTLE_MS; leaks.length && Date.now() < deadline; leaks = leaksNow()) await delay(25);
  leaks.push(...(await openQueueClients(trackedQueuePrefixes())));
  if (leaks.length === 0) return;
  // Stop them, so the leak is reported once and does not keep this test process (or a port, or a CPU) busy.
  for (const r of stillRunning()) r.stop();
  // The first lines name the cause (what the harness started); the rest are what it left behind, so keep it readable.
  const shown = leaks.length > 15 ? [...leaks.slice(0, 15), `… and ${leaks.length - 15} more`] : leaks;
  throw new Error(`this test file left ${leaks.length} thing(s) running that it started:\n  - ${shown.join('\n  - ')}`);
});

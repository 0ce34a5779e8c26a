// The sandbox page's liveness and the scripted incident's length.
// 1. Live feed: a bot message posted over REST (as backstop posts cards) until the page's event stream carries it.
//    Floor: the REST round trip alone (the emulator has stored the message when it answers). Target: the stream adds
//    < 50 ms at p99 on top of the floor.
// 2. The scripted incident with no pauses between beats: Play → proposal card → ROLLBACK COMPLETE, three plays.
//    Its floor is the sandbox policy's own waits: the rollback script sleeps 2 s and verification watches 4 s.
// 3. A new page: time to the first snapshot on the event stream, and the script's size.
// Usage: node bin/run-ts.mjs bench/sandbox.ts [messages]   (one a second: Discord's channel limit)
import { randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { Routes } from 'discord.js';
import { createDiscordRest } from '../src/discord/rest.ts';
import { parseEnv } from '../src/main/env.ts';
import { createLogger } from '../src/logging/logger.ts';
import { sandboxHost } from '../src/main/sandbox-host.ts';
import { startSandbox } from '@backstop/sandbox';
import { openEventStream, type Frame } from '../test/support/event-stream.ts';
import { pct, REDIS, round, withBenchDatabase, DATASETS, runBench, type Dataset } from './support.ts';

const MESSAGES = Number(process.argv[2] ?? 50);

async function main(databaseUrl: string, dataset: Dataset) {
  const env = parseEnv({ DATABASE_URL: databaseUrl, REDIS_URL: REDIS, BACKSTOP_QUEUE_PREFIX: `bsb${randomBytes(3).toString('hex')}`, HOST: '127.0.0.1', PORT: '0' });
  if (!env.ok) throw new Error(JSON.stringify(env.errors));
  const sandbox = await startSandbox({ host: sandboxHost(env.env, createLogger({ level: 'warn', name: 'bench-sandbox' })), paceMs: 0 });
  const base = sandbox.url.replace(/\/sandbox$/, '');
  const { emu } = sandbox.world;
  const results: Record<string, Record<string, number>> = {};
  try {
    // 1. Live feed.
    const arrived = new Map<string, number>();
    const frames: Frame[] = [];
    const stream = await openEventStream(`${base}/sandbox/api/events`, (f) => {
      frames.push(f);
      if (f.event === 'message') arrived.set(f.data.message.id, f.at);
    });
    while (!frames.some((f) => f.event === 'snapshot')) await new Promise((r) => setTimeout(r, 10));
    const rest = createDiscordRest(emu.botToken, emu.apiUrl);
    const floor: number[] = [];
    const total: number[] = [];
    for (let i = 0; i < MESSAGES; i++) {
      const t0 = performance.now();
      const message = (await rest.post(Routes.channelMessages(emu.channelId), { body: { content: `bench ${i}` } })) as { id: string };
      floor.push(performance.now() - t0);
      while (!arrived.has(message.id)) await new Promise((r) => setImmediate(r));
      total.push(arrived.get(message.id)! - t0);
      // Discord's channel limit is 5 posts / 5 s and the emulator enforces it: one a second never waits on a bucket.
      await new Promise((r) => setTimeout(r, 1_050));
    }
    results['live: post → page'] = { p50_ms: round(pct(total, 50)), p99_ms: round(pct(total, 99)), n: total.length };
    results['floor: post (REST round trip)'] = { p50_ms: round(pct(floor, 50)), p99_ms: round(pct(floor, 99)), n: floor.length };
    const added = total.map((t, i) => t - floor[i]!);
    results['live: added by the stream'] = { p50_ms: round(pct(added, 50)), p99_ms: round(pct(added, 99)), n: added.length };

    // 2. The scripted incident, no pauses.
    const plays: number[] = [];
    const proposals: number[] = [];
    for (let play = 0; play < 3; play++) {
      const seen = frames.length;
      const t0 = performance.now();
      const started = await fetch(`${base}/sandbox/api/scenario`, { method: 'POST' });
      if (started.status !== 202) throw new Error(`scenario did not start: ${started.status}`);
      const titleAt = (prefix: string) => frames.slice(seen).find((f) => f.event === 'message' && String(f.data.message.embeds[0]?.title ?? '').startsWith(prefix))?.at;
      const deadline = t0 + 60_000;
      while (!titleAt('✅ ROLLBACK COMPLETE') || !frames.slice(seen).some((f) => f.event === 'scenario' && f.data.playing === false)) {
        if (performance.now() > deadline) throw new Error('the incident did not complete in 60 s');
        if (frames.slice(seen).some((f) => f.event === 'narration' && f.data.kind === 'failed')) throw new Error('the incident failed');
        await new Promise((r) => setTimeout(r, 20));
      }
      proposals.push(titleAt('🟠 ROLLBACK PROPOSED')! - t0);
      plays.push(titleAt('✅ ROLLBACK COMPLETE')! - t0);
    }
    results['incident: play → proposal card'] = { p50_ms: round(pct(proposals, 50)), max_ms: round(Math.max(...proposals)), n: proposals.length };
    results['incident: play → ROLLBACK COMPLETE'] = { p50_ms: round(pct(plays, 50)), max_ms: round(Math.max(...plays)), n: plays.length };
    results['floor: policy waits (script 2 s + verify 4 s)'] = { p50_ms: 6_000, max_ms: 6_000, n: 1 };
    stream.close();

    // 3. A new page.
    const firstSnapshot: number[] = [];
    for (let i = 0; i < 20; i++) {
      const t0 = performance.now();
      let at = 0;
      const page = await openEventStream(`${base}/sandbox/api/events`, (f) => void (f.event === 'snapshot' && (at = f.at)));
      while (!at) await new Promise((r) => setTimeout(r, 1));
      firstSnapshot.push(at - t0);
      page.close();
    }
    const script = await (await fetch(`${base}/sandbox/app.js`)).text();
    results['page: open → first snapshot'] = { p50_ms: round(pct(firstSnapshot, 50)), p99_ms: round(pct(firstSnapshot, 99)), n: firstSnapshot.length };
    results['page: app.js'] = { kib: round(script.length / 1024), gzip_kib: round(gzipSync(script).length / 1024) };
    if (emu.violations.length) throw new Error(`emulator violations: ${emu.violations.join('; ')}`);
  } finally {
    await sandbox.close();
  }
  const added = results['live: added by the stream']!.p99_ms!;
  console.log(JSON.stringify({ dataset, bench: 'sandbox', messages: MESSAGES, results, target: 'the event stream adds < 50 ms at p99', met: added < 50 }));
  console.table(results);
}

runBench(async () => {
  for (const dataset of DATASETS) await withBenchDatabase((url) => main(url, dataset), dataset);
});

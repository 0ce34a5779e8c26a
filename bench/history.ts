// History at scale: GET /auto-rollback/history (HTTP, the seed's contract), GET /api/rollbacks filtered by service,
// and /rollback history through the Discord emulator (dispatch → the page in the reply), over 10k, 100k and 1M
// rollback events. Target: p95 < 10 ms, flat as the table grows. Floor: `select 1` through the same pool.
// Usage: node bin/run-ts.mjs bench/history.ts [requests-per-size]
import { randomBytes } from 'node:crypto';
import { parseConfig } from '../src/config/load.ts';
import { createDiscordRest } from '../src/discord/rest.ts';
import { registerCommands } from '../src/gateway/register-commands.ts';
import { parseEnv } from '../src/main/env.ts';
import { createLogger } from '../src/logging/logger.ts';
import { runRoles } from '../src/main/roles.ts';
import { startDiscordEmulator } from '@backstop/discord-emulator';
import type { AddressInfo } from 'node:net';
import { pct, REDIS, round, withBenchDatabase, DATASETS, runBench, type Dataset } from './support.ts';

const REQUESTS = Number(process.argv[2] ?? 200);
const SIZES = [10_000, 100_000, 1_000_000];
const TOKEN = 'bench-token';

async function timeEach(n: number, fn: () => Promise<void>): Promise<{ p50_ms: number; p95_ms: number }> {
  for (let i = 0; i < 10; i++) await fn();
  const ms: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await fn();
    ms.push(performance.now() - t0);
  }
  return { p50_ms: round(pct(ms, 50)), p95_ms: round(pct(ms, 95)) };
}

async function main(url: string, dataset: Dataset) {
  const emu = await startDiscordEmulator();
  const viewer = emu.createRole('viewer');
  const user = emu.addUser({ username: 'bench', roles: [viewer] });
  await registerCommands(createDiscordRest(emu.botToken, emu.apiUrl), { applicationId: emu.applicationId, guildId: emu.guildId });
  const env = parseEnv({ DATABASE_URL: url, REDIS_URL: REDIS, BACKSTOP_QUEUE_PREFIX: `bench${randomBytes(3).toString('hex')}`, PORT: '0', HOST: '127.0.0.1', DISCORD_TOKEN: emu.botToken, DISCORD_API_URL: emu.apiUrl, BACKSTOP_TOKEN_READER: TOKEN });
  const config = parseConfig(`
discord: { guild_id: "${emu.guildId}", channel_id: "${emu.channelId}", roles: { viewer: ["${viewer}"] } }
api: { tokens: { reader: { roles: [viewer] } } }
environments: { production: {}, staging: {} }
services:
${Array.from({ length: 10 }, (_, i) => `  svc${i}: { environments: [production, staging], executor: { kind: command, argv: ["true"] } }`).join('\n')}
`);
  if (!env.ok || !config.ok) throw new Error(`bench setup is invalid: ${JSON.stringify(!env.ok ? env.errors : !config.ok ? config.errors : '')}`);
  const running = await runRoles({ env: env.env, config: config.config, logger: createLogger({ level: 'error' }) }, { api: true, worker: false, gateway: true });
  const base = `http://127.0.0.1:${(running.server!.address() as AddressInfo).port}`;
  const get = async (path: string) => {
    const res = await fetch(`${base}${path}`, { headers: { authorization: `Bearer ${TOKEN}` } });
    if (res.status !== 200) throw new Error(`${path}: ${res.status}`);
    await res.arrayBuffer();
  };
  const pool = running.deps.pool;
  const results: Record<string, Record<string, number>> = {};
  try {
    await pool.query(`insert into ops.deployments (service, environment, version, git_commit, status) select 'svc' || g, 'production', 'v1', 'abc1234', 'rolled_back' from generate_series(0, 9) g`);
    let have = 0;
    for (const size of SIZES) {
      // Final events only (the one-active-per-service index allows any number of those), spread over ten services and a year.
      await pool.query(
        `insert into ops.rollback_events (event_id, deployment_id, service, environment, trigger_type, trigger_reason, initiated_by, initiated_at, status, approvals_required, completed_at)
         select gen_random_uuid(), d.deployment_id, d.service, 'production', 'automatic', 'bench #' || g, 'backstop',
                now() - (g || ' seconds')::interval * 30, 'succeeded', 1, now() - (g || ' seconds')::interval * 30
         from generate_series($1::int, $2::int) g join ops.deployments d on d.service = 'svc' || (g % 10)`,
        [have + 1, size],
      );
      have = size;
      await pool.query('analyze ops.rollback_events');
      const floor = await timeEach(REQUESTS, async () => void (await pool.query('select 1')));
      const seed = await timeEach(REQUESTS, () => get('/auto-rollback/history?limit=20'));
      const filtered = await timeEach(REQUESTS, () => get('/api/rollbacks?service=svc3&status=succeeded&limit=20'));
      const discord = await timeEach(Math.min(REQUESTS, 100), async () => {
        const i = await emu.slash(user, { name: 'rollback', options: [{ type: 1, name: 'history', options: [{ type: 3, name: 'service', value: 'svc3' }] }] });
        await i.until((x) => x.original()?.embeds[0]?.title === 'Rollback history', 10_000);
      });
      results[String(size)] = {
        floor_p95_ms: floor.p95_ms,
        http_seed_p50_ms: seed.p50_ms,
        http_seed_p95_ms: seed.p95_ms,
        http_filtered_p95_ms: filtered.p95_ms,
        discord_p50_ms: discord.p50_ms,
        discord_p95_ms: discord.p95_ms,
      };
    }
    if (emu.violations.length) throw new Error(`emulator violations: ${emu.violations.slice(0, 3).join('; ')}`);
  } finally {
    await running.close();
    await emu.close();
  }
  console.log(JSON.stringify({ dataset, bench: 'history', requests_per_size: REQUESTS, results, target: 'p95 < 10 ms, flat from 10k to 1M' }));
  console.table(results);
}

runBench(async () => {
  for (const dataset of DATASETS) await withBenchDatabase((url) => main(url, dataset), dataset);
});

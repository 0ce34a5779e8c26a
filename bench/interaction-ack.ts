// Interaction acknowledgement latency: from the emulator dispatching INTERACTION_CREATE over the gateway until
// backstop's first callback reaches it, through the real discord.js Client and backstop's dispatcher (authorize,
// defer), at 1, 10 and 50 interactions/s. Discord allows 3,000 ms; the target is p99 < 50 ms.
// Floor: a bare discord.js Client that defers at once, against the same emulator in the same run.
// Usage: node bin/run-ts.mjs bench/interaction-ack.ts [seconds-per-rate]
import { randomBytes } from 'node:crypto';
import { Client, Events, GatewayIntentBits, MessageFlags } from 'discord.js';
import { parseConfig } from '../src/config/load.ts';
import { createDiscordRest } from '../src/discord/rest.ts';
import { registerCommands } from '../src/gateway/register-commands.ts';
import { parseEnv } from '../src/main/env.ts';
import { createLogger } from '../src/logging/logger.ts';
import { runRoles } from '../src/main/roles.ts';
import { startDiscordEmulator, type DiscordEmulator, type EmulatedInteraction, type EmulatedUser } from '@backstop/discord-emulator';
import { pct, REDIS, round, withBenchDatabase, DATASETS, runBench, type Dataset } from './support.ts';

const SECONDS = Number(process.argv[2] ?? 10);
const RATES = [1, 10, 50];

const HISTORY = { name: 'rollback', options: [{ type: 1, name: 'history', options: [] }] };

/** Fires `rate` interactions per second for SECONDS, then waits for every acknowledgement. */
async function measure(emu: DiscordEmulator, user: EmulatedUser, rate: number): Promise<number[]> {
  const sent: Array<Promise<EmulatedInteraction>> = [];
  const count = Math.max(5, rate * SECONDS);
  const start = performance.now();
  for (let i = 0; i < count; i++) {
    const due = start + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    sent.push(emu.slash(user, HISTORY));
  }
  const interactions = await Promise.all(sent);
  // Wrapped, because an acknowledgement within the same millisecond is a 0 that `until` would take for "not yet".
  const acks = await Promise.all(interactions.map((i) => i.until((x) => x.ackMs !== undefined && { ms: x.ackMs }, 10_000)));
  return acks.map((a) => a.ms);
}

async function main(url: string, dataset: Dataset) {
  const emu = await startDiscordEmulator();
  const role = emu.createRole('viewer');
  const user = emu.addUser({ username: 'bench', roles: [role] });
  await registerCommands(createDiscordRest(emu.botToken, emu.apiUrl), { applicationId: emu.applicationId, guildId: emu.guildId });
  const results: Record<string, { p50_ms: number; p99_ms: number; n: number }> = {};
  try {
    // Floor: the same traffic answered by a Client that only defers.
    const bare = new Client({ intents: [GatewayIntentBits.Guilds], rest: { api: emu.apiUrl } });
    bare.on(Events.InteractionCreate, (i) => void (i.isChatInputCommand() && i.deferReply({ flags: MessageFlags.Ephemeral }).then(() => i.editReply('ok'))));
    await new Promise<void>((resolve) => {
      bare.once(Events.ClientReady, () => resolve());
      void bare.login(emu.botToken);
    });
    for (const rate of RATES) {
      const ms = await measure(emu, user, rate);
      results[`floor @ ${rate}/s`] = { p50_ms: round(pct(ms, 50)), p99_ms: round(pct(ms, 99)), n: ms.length };
    }
    await bare.destroy();

    const policy = `
discord:
  guild_id: "${emu.guildId}"
  channel_id: "${emu.channelId}"
  roles: { viewer: ["${role}"] }
environments: { staging: {} }
services:
  web: { environments: [staging], executor: { kind: command, argv: ["true"] } }
`;
    const env = parseEnv({ DATABASE_URL: url, REDIS_URL: REDIS, BACKSTOP_QUEUE_PREFIX: `bench${randomBytes(3).toString('hex')}`, DISCORD_TOKEN: emu.botToken, DISCORD_API_URL: emu.apiUrl });
    const config = parseConfig(policy);
    if (!env.ok || !config.ok) throw new Error('bench setup: bad env or policy');
    const running = await runRoles({ env: env.env, config: config.config, logger: createLogger({ level: 'warn', name: 'bench' }) }, { api: false, worker: false, gateway: true });
    try {
      for (const rate of RATES) {
        const ms = await measure(emu, user, rate);
        results[`backstop @ ${rate}/s`] = { p50_ms: round(pct(ms, 50)), p99_ms: round(pct(ms, 99)), n: ms.length };
      }
    } finally {
      await running.close();
    }
    if (emu.violations.length) throw new Error(`emulator violations: ${emu.violations.join('; ')}`);
  } finally {
    await emu.close();
  }
  const worst = Math.max(...RATES.map((r) => results[`backstop @ ${r}/s`]!.p99_ms));
  console.log(JSON.stringify({ dataset, bench: 'interaction_ack', seconds_per_rate: SECONDS, results, worst_p99_ms: worst, target: 'p99 < 50 ms at 1, 10 and 50/s', met: worst < 50 }));
  console.table(results);
}

runBench(async () => {
  for (const dataset of DATASETS) await withBenchDatabase((url) => main(url, dataset), dataset);
});

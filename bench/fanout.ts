// Fan-out: N services rolling back at once, all reporting to one Discord channel. Separate processes for the api,
// the worker and the gateway (as in a larger deployment), the Discord emulator in this process. Reports the time until
// every card shows its outcome, the 429s Discord would have sent, and each process's peak RSS (VmHWM).
// Discord allows about 5 messages per 5 s in a channel, so the floor is (2 posts per rollback × N) / 1 per s.
// Usage: node bin/run-ts.mjs bench/fanout.ts [services]
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { createDiscordRest } from '../src/discord/rest.ts';
import { registerCommands } from '../src/gateway/register-commands.ts';
import { startDiscordEmulator } from '@backstop/discord-emulator';
import { REDIS, round, withBenchDatabase, DATASETS, runBench, type Dataset } from './support.ts';

const N = Number(process.argv[2] ?? 100);
const TOKEN = 'bench-ci-token';

const peakRssMb = (pid: number) => {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? round(Number(m[1]) / 1024) : null;
};

async function main(url: string, dataset: Dataset) {
  const emu = await startDiscordEmulator();
  const approver = emu.createRole('approver');
  await registerCommands(createDiscordRest(emu.botToken, emu.apiUrl), { applicationId: emu.applicationId, guildId: emu.guildId });
  const services = Array.from({ length: N }, (_, i) => `svc${String(i).padStart(3, '0')}`);
  const dir = mkdtempSync(join(tmpdir(), 'backstop-fanout-'));
  const policyPath = join(dir, 'backstop.yaml');
  writeFileSync(
    policyPath,
    `discord: { guild_id: "${emu.guildId}", channel_id: "${emu.channelId}", roles: { approver: ["${approver}"] } }
api: { tokens: { ci: { roles: [deployer, approver] } } }
defaults: { rules: [], approvals: { required: 1 }, verification: { window: 200ms, interval: 100ms, on_no_data: pass } }
environments: { prod: {} }
services:
${services.map((s) => `  ${s}: { environments: [prod], executor: { kind: command, argv: ["sh", "-c", "echo deploying; sleep 1; echo done"] } }`).join('\n')}
`,
  );
  const port = 20_000 + Math.floor(Math.random() * 20_000);
  const env = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? '/tmp',
    DATABASE_URL: url,
    REDIS_URL: REDIS,
    BACKSTOP_CONFIG: policyPath,
    BACKSTOP_QUEUE_PREFIX: `fan${randomBytes(3).toString('hex')}`,
    BACKSTOP_TOKEN_CI: TOKEN,
    BACKSTOP_WORKER_CONCURRENCY: '25',
    DISCORD_TOKEN: emu.botToken,
    DISCORD_API_URL: emu.apiUrl,
    LOG_LEVEL: 'error',
    HOST: '127.0.0.1',
    PORT: String(port),
    // The worker and the gateway on one host: each its own metrics port.
    BACKSTOP_METRICS_PORT: '0',
  };
  const start = (role: string): ChildProcess => spawn(process.execPath, [resolve('bin/backstop.mjs'), role], { env, stdio: ['ignore', 'inherit', 'inherit'] });
  const api = start('api');
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    const ok = await fetch(`${base}/health`).then((r) => r.ok, () => false);
    if (ok) break;
    if (i > 100) throw new Error('api did not start');
    await new Promise((r) => setTimeout(r, 200));
  }
  const worker = start('worker');
  const gateway = start('gateway');
  const call = async (path: string, body: unknown) => {
    const res = await fetch(`${base}${path}`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return (await res.json()) as Record<string, string>;
  };
  try {
    const bad: string[] = [];
    for (const service of services) {
      for (const [version, good] of [['v1', true], ['v2', false]] as const) {
        const rec = await call('/api/deployments', { service, environment: 'prod', version, git_commit: 'abc1234' });
        await call(`/api/deployments/${rec.deployment_id}/complete`, { status: good ? 'success' : 'failed', health_check_passed: good });
        if (!good) bad.push(rec.deployment_id!);
      }
    }
    await new Promise((r) => setTimeout(r, 2_000)); // the gateway logs in meanwhile
    const t0 = performance.now();
    const events = await Promise.all(bad.map(async (id) => (await call('/auto-rollback', { deployment_id: id, trigger_reason: 'fan-out bench' })).event_id!));
    const finalCard = (id: string) => emu.messages().some((m) => m.embeds[0]?.footer?.text?.startsWith(`event ${id}`) && /COMPLETE|FAILED/.test(m.embeds[0].title ?? ''));
    const outcome = (id: string) => emu.messages().some((m) => m.components.length === 0 && m.embeds[0]?.footer?.text === `event ${id}`);
    await emu.waitFor(() => events.every((id) => finalCard(id) && outcome(id)), 30 * 60_000);
    const seconds = (performance.now() - t0) / 1000;
    const result = {
      bench: 'fanout',
      services: N,
      seconds_until_every_outcome_posted: round(seconds),
      floor_seconds: (2 * N) / 1, // Discord's channel limit: about 1 message per second sustained
      messages: emu.messages().length,
      edits: emu.messages().reduce((n, m) => n + m.edits, 0),
      discord_429s: emu.rateLimited,
      violations: emu.violations.length,
      peak_rss_mb: { api: peakRssMb(api.pid!), worker: peakRssMb(worker.pid!), gateway: peakRssMb(gateway.pid!) },
      target: '0 429s',
    };
    console.log(JSON.stringify({ dataset, ...result }));
    console.table({ result: { seconds: result.seconds_until_every_outcome_posted, floor_s: result.floor_seconds, messages: result.messages, '429s': result.discord_429s, ...result.peak_rss_mb } });
  } finally {
    for (const child of [gateway, worker, api]) child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 3_000));
    await emu.close();
  }
}

runBench(async () => {
  for (const dataset of DATASETS) await withBenchDatabase((url) => main(url, dataset), dataset);
});

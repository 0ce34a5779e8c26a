import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDiscordRest } from '../../src/discord/rest.ts';
import { registerCommands } from '../../src/gateway/register-commands.ts';
import { startDiscordEmulator, type DiscordEmulator } from '@backstop/discord-emulator';
import { owedToDiscord } from '../support/discord-owed.ts';
import { startBackstop, waitFor, type Backstop } from '../support/harness.ts';

// A 429 storm on every channel route and repeated gateway drops while rollbacks progress: every card reaches its
// outcome, every outcome is announced exactly once, and slash commands keep being answered.

const SERVICES = Array.from({ length: 8 }, (_, i) => `storm${i}`);

describe('Discord under a 429 storm and gateway drops', () => {
  let emu: DiscordEmulator;
  let b: Backstop;

  beforeAll(async () => {
    emu = await startDiscordEmulator();
    const approver = emu.createRole('approver');
    await registerCommands(createDiscordRest(emu.botToken, emu.apiUrl), { applicationId: emu.applicationId, guildId: emu.guildId });
    b = await startBackstop({
      policy: `
discord: { guild_id: "${emu.guildId}", channel_id: "${emu.channelId}", roles: { approver: ["${approver}"] } }
api: { tokens: { ci: { roles: [deployer] }, alice: { roles: [approver] }, viewer: { roles: [viewer] } } }
defaults: { rules: [], approvals: { required: 1 }, verification: { window: 200ms, interval: 100ms, on_no_data: pass } }
environments: { prod: {} }
services:
${SERVICES.map((s) => `  ${s}: { environments: [prod], executor: { kind: command, argv: ["sh", "-c", "echo one; sleep 0.5; echo two"] } }`).join('\n')}
`,
      roles: { gateway: true },
      env: { DISCORD_TOKEN: emu.botToken, DISCORD_API_URL: emu.apiUrl, BACKSTOP_WORKER_CONCURRENCY: '8', BACKSTOP_DISCORD_SWEEP_INTERVAL_MS: '1000' },
    });
  });
  afterAll(async () => {
    const t0 = Date.now();
    await b?.close();
    const t1 = Date.now();
    await emu?.close();
    console.log(`teardown: backstop ${t1 - t0} ms, emulator ${Date.now() - t1} ms`);
  });

  it('delivers every outcome exactly once', async () => {
    const bad: string[] = [];
    for (const service of SERVICES) {
      for (const [version, good] of [['v1', true], ['v2', false]] as const) {
        const rec = await b.api('POST', '/api/deployments', 'ci', { service, environment: 'prod', version, git_commit: 'abc1234' });
        await b.api('POST', `/api/deployments/${rec.body.deployment_id}/complete`, 'ci', { status: good ? 'success' : 'failed', health_check_passed: good });
        if (!good) bad.push(rec.body.deployment_id);
      }
    }
    emu.injectRateLimits(60, (_m, path) => path.startsWith('/channels/'), 250);
    const t0 = Date.now();
    const events = await Promise.all(bad.map(async (id) => (await b.api('POST', '/auto-rollback', 'alice', { deployment_id: id, trigger_reason: 'storm' })).body.event_id as string));
    // Three gateway drops while the rollbacks run; each time discord.js must resume.
    for (let n = 0; n < 3; n++) {
      const before = emu.gateway.resumes + emu.gateway.identifies;
      emu.reconnectGateway('drop');
      await emu.waitFor(() => emu.gateway.resumes + emu.gateway.identifies > before, 15_000);
    }
    await waitFor('every rollback to finish', async () => {
      const r = await b.running.deps.pool.query(`select count(*)::int as n from ops.rollback_events where status = 'succeeded'`);
      return r.rows[0].n === SERVICES.length;
    }, 60_000);
    console.log(`rollbacks finished ${Date.now() - t0} ms after the requests`);
    const of = (id: string) => emu.messages().filter((m) => m.embeds[0]?.footer?.text?.startsWith(`event ${id}`) && !(m.flags & 64));
    await emu.waitFor(() => events.every((id) => of(id).some((m) => m.embeds[0].title === '✅ ROLLBACK COMPLETE') && of(id).length === 2), 90_000);
    // Count again once the database records every card and outcome as delivered: nothing is left to arrive later.
    await waitFor('every delivery to be recorded', async () => {
      const owed = await owedToDiscord(b.running.deps.db);
      return events.every((id) => !owed.has(id));
    }, 60_000);
    const doubles = events.filter((id) => of(id).length !== 2);
    expect(doubles).toEqual([]);
    expect(emu.violations).toEqual([]);
    // The gateway still answers after the drops.
    const viewer = emu.addUser({ username: 'late', roles: [] });
    const i = await emu.slash(viewer, { name: 'rollback', options: [{ type: 1, name: 'history', options: [] }] });
    expect(await i.until((x) => x.original()?.content, 10_000)).toMatch(/^⛔/);
    console.log(`Discord storm: ${emu.injectedRateLimited} injected 429s, 3 gateway drops resumed; ${events.length}/${events.length} outcomes delivered exactly once, 0 doubles`);
  }, 180_000);
});

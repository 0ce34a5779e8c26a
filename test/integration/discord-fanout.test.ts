import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDiscordEmulator, type DiscordEmulator } from '@backstop/discord-emulator';
import { startBackstop, waitFor, type Backstop } from '../support/harness.ts';

// Ten rollbacks progressing at once through one channel: every card and outcome arrives, edits are coalesced, and
// backstop stays inside Discord's per-channel rate limits (the emulator enforces 5 posts and 5 edits per 5 s). Twenty
// posts are four windows' worth, enough to need the pacing; bench/fanout.ts measures larger fan-outs.

const SERVICES = Array.from({ length: 10 }, (_, i) => `svc${String(i).padStart(2, '0')}`);

describe('ten rollbacks in one channel', () => {
  let emu: DiscordEmulator;
  let b: Backstop;

  beforeAll(async () => {
    emu = await startDiscordEmulator();
    const approver = emu.createRole('approver');
    const policy = `
discord:
  guild_id: "${emu.guildId}"
  channel_id: "${emu.channelId}"
  roles: { approver: ["${approver}"] }
api:
  tokens:
    ci: { roles: [deployer] }
    alice: { roles: [approver] }
    viewer: { roles: [viewer] }
defaults:
  verification: { window: 200ms, interval: 100ms, on_no_data: pass }
environments:
  staging: { approvals: { required: 1 } }
services:
${SERVICES.map((s) => `  ${s}: { environments: [staging], executor: { kind: command, argv: ["sh", "-c", "echo step one; sleep 0.5; echo step two"] } }`).join('\n')}
`;
    b = await startBackstop({ policy, env: { DISCORD_TOKEN: emu.botToken, DISCORD_API_URL: emu.apiUrl, BACKSTOP_WORKER_CONCURRENCY: '20' } });
  });
  afterAll(async () => {
    await b?.close();
    await emu?.close();
  });

  it('delivers every card and outcome once, with no 429', async () => {
    const events = await Promise.all(
      SERVICES.map(async (service) => {
        for (const [version, good] of [['v1', true], ['v2', false]] as const) {
          const rec = await b.api('POST', '/api/deployments', 'ci', { service, environment: 'staging', version, git_commit: 'abc1234' });
          await b.api('POST', `/api/deployments/${rec.body.deployment_id}/complete`, 'ci', { status: good ? 'success' : 'failed', health_check_passed: good });
          if (!good) {
            const req = await b.api('POST', '/auto-rollback', 'alice', { deployment_id: rec.body.deployment_id, trigger_reason: `${service} is failing` });
            expect(req.status, JSON.stringify(req.body)).toBe(201);
            return req.body.event_id as string;
          }
        }
        throw new Error('unreachable');
      }),
    );
    const started = Date.now();
    await waitFor('all rollbacks to succeed', async () => {
      const rows = await b.running.deps.pool.query(`select count(*)::int as n from ops.rollback_events where status = 'succeeded'`);
      return rows.rows[0].n === SERVICES.length;
    }, 60_000, 200);
    const done = (id: string) => emu.messages().filter((m) => m.embeds[0]?.footer?.text?.startsWith(`event ${id}`));
    await emu.waitFor(() => events.every((id) => done(id).length === 2 && done(id).some((m) => m.embeds[0].title === '✅ ROLLBACK COMPLETE')), 90_000);
    const edits = emu.messages().reduce((n, m) => n + m.edits, 0);
    console.log(`${SERVICES.length} rollbacks: all cards final ${((Date.now() - started) / 1000).toFixed(1)} s after the last request; ${emu.messages().length} messages, ${edits} edits, ${emu.rateLimited} 429s`);
    expect(emu.messages()).toHaveLength(SERVICES.length * 2);
    expect(emu.rateLimited).toBe(0);
    expect(emu.violations).toEqual([]);
  }, 120_000);
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDiscordEmulator, type DiscordEmulator, type EmulatedUser } from '@backstop/discord-emulator';
import { startBackstop, testPolicy, type Backstop } from '../support/harness.ts';

// The two-person rule against whoever holds the gateway's token, the one secret that speaks for others. It may name
// Discord users only, never roles: backstop asks Discord (here the emulator, with the bot's token) which roles each
// member holds. And one human who comes by two paths (their own token, and Discord) is one approver, not two.
describe('identities that cannot be invented', () => {
  let emu: DiscordEmulator;
  let b: Backstop;
  let alice: EmulatedUser, bob: EmulatedUser, mallory: EmulatedUser;

  beforeAll(async () => {
    emu = await startDiscordEmulator();
    const approver = emu.createRole('approver');
    alice = emu.addUser({ username: 'alice', roles: [approver] });
    bob = emu.addUser({ username: 'bob', roles: [approver] });
    mallory = emu.addUser({ username: 'mallory' });
    const discord = `
discord:
  guild_id: "${emu.guildId}"
  channel_id: "${emu.channelId}"
  roles: { approver: ["${approver}"] }
people:
  alice: { discord: "${alice.id}", tokens: [alice] }`;
    b = await startBackstop({
      policy: testPolicy({ executorArgv: ['true'], onNoData: 'pass', discord, production: '{ required: 3 }' }),
      roles: { gateway: false },
      env: { DISCORD_TOKEN: emu.botToken, DISCORD_API_URL: emu.apiUrl },
    });
  });
  afterAll(async () => {
    await b?.close();
    await emu?.close();
  });

  const rollbackToDecide = async (version: string) => {
    const dep = async (v: string, good: boolean) => {
      const id = (await b.api('POST', '/api/deployments', 'ci', { service: 'payments', environment: 'production', version: v, git_commit: 'abc1234' })).body.deployment_id as string;
      await b.api('POST', `/api/deployments/${id}/complete`, 'ci', { status: good ? 'success' : 'failed', health_check_passed: good });
      return id;
    };
    await dep(`${version}-good`, true);
    const bad = await dep(version, false);
    const req = await b.api('POST', '/api/rollbacks', 'carol', { deployment_id: bad, trigger_reason: 'errors on checkout' });
    expect(req.status, JSON.stringify(req.body)).toBe(201);
    return req.body.event_id as string;
  };
  const approve = (eventId: string, token: 'gateway' | 'alice' | 'bob', as?: { id: string; name?: string; roles?: string[] }) =>
    b.api('POST', `/api/rollbacks/${eventId}/approvals`, token, {
      decision: 'approve',
      reason: 'looks right',
      ...(as ? { approver: as.id, approver_name: as.name ?? as.id, ...(as.roles ? { approver_roles: as.roles } : {}) } : {}),
    });

  it('the gateway token cannot invent people or roles: "mallory", "mallory2", a claimed admin role, a stranger', async () => {
    const eventId = await rollbackToDecide('v1');
    const invented = await approve(eventId, 'gateway', { id: 'mallory' });
    expect(invented.status).toBe(403);
    expect(invented.body.error.message).toBe('token "gateway" speaks only for Discord users (discord:<user id>), not for "mallory"');
    expect((await approve(eventId, 'gateway', { id: 'mallory2' })).status).toBe(403);

    const claimed = await approve(eventId, 'gateway', { id: `discord:${mallory.id}`, roles: ['admin'] });
    expect(claimed.status).toBe(400);
    expect(claimed.body.error.message).toBe("approver_roles: a token may not assert roles: backstop resolves each person's roles from Discord and the policy file");

    // Mallory is in the guild but holds no approver role, as Discord itself says.
    const member = await approve(eventId, 'gateway', { id: `discord:${mallory.id}` });
    expect(member.status).toBe(403);
    expect(member.body.error.code).toBe('NOT_AN_APPROVER');

    const stranger = await approve(eventId, 'gateway', { id: 'discord:123456789012345678' });
    expect(stranger.status).toBe(403);
    expect(stranger.body.error.message).toBe('discord:123456789012345678 is not a member of the guild in the policy file');

    const event = (await b.api('GET', `/api/rollbacks/${eventId}`, 'viewer')).body;
    expect(event.status).toBe('awaiting_approval');
    expect((await b.api('POST', `/api/rollbacks/${eventId}/cancel`, 'carol', { reason: 'next case' })).status).toBe(200);
  });

  it('one human by two paths (her token, then Discord) is one approver; two real members are two', async () => {
    const eventId = await rollbackToDecide('v2');
    const own = await approve(eventId, 'alice');
    expect(own.status, JSON.stringify(own.body)).toBe(200);
    expect(own.body.approvals).toMatchObject({ have: 2, need: 3 });

    const again = await approve(eventId, 'gateway', { id: `discord:${alice.id}`, name: 'alice' });
    expect(again.status).toBe(403);
    expect(again.body.error.code).toBe('ALREADY_DECIDED');

    const second = await approve(eventId, 'gateway', { id: `discord:${bob.id}`, name: 'bob' });
    expect(second.status, JSON.stringify(second.body)).toBe(200);
    expect(second.body.approvals).toMatchObject({ have: 3, need: 3 });
    // Carol asked (her request counts), alice approved once for both her paths, and bob through Discord.
    expect(second.body.approvals.approved_by).toEqual(['carol', 'person:alice', 'bob']);
  });

  it('config check names a people entry that points at a token that does not exist, or links a Discord user twice', async () => {
    const { checkConfigText } = await import('../../src/config/check-config.ts');
    const policy = testPolicy({ executorArgv: ['true'] }) + `people:\n  dana: { discord: "${alice.id}", tokens: [alise] }\n  erin: { discord: "${alice.id}" }\n`;
    const result = checkConfigText(policy);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.errors.map((e) => `${e.path}: ${e.message}`)).toEqual([
        'people.dana.tokens[0]: unknown token "alise" (not under api.tokens); did you mean "alice"?',
        `people.erin.discord: Discord user "${alice.id}" is already person "dana"`,
      ]);
    }
  });
});

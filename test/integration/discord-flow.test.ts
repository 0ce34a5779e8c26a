import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { startDiscordEmulator, type DiscordEmulator, type EmulatedMessage, type EmulatedUser } from '@backstop/discord-emulator';
import { owedToDiscord } from '../support/discord-owed.ts';
import { startBackstop, testPolicy, waitFor, type Backstop } from '../support/harness.ts';

// The real backstop (gateway, worker, api) against the Discord emulator, with real Postgres and Redis: what a person
// in the channel would see and click, and every request checked against Discord's own schemas.

const SCRIPT = resolve('test/fixtures/rollback.sh');
const run = promisify(execFile);

describe('backstop in Discord', () => {
  let emu: DiscordEmulator;
  let b: Backstop;
  let sideEffects: string;
  let alice: EmulatedUser, bob: EmulatedUser, carol: EmulatedUser, vic: EmulatedUser, mallory: EmulatedUser;
  let oncall: string;

  beforeAll(async () => {
    emu = await startDiscordEmulator();
    const approver = emu.createRole('approver');
    const viewer = emu.createRole('viewer');
    oncall = emu.createRole('on-call');
    alice = emu.addUser({ username: 'alice', roles: [approver] });
    bob = emu.addUser({ username: 'bob', roles: [approver] });
    carol = emu.addUser({ username: 'carol', roles: [approver] });
    vic = emu.addUser({ username: 'vic', roles: [viewer] });
    mallory = emu.addUser({ username: 'mallory' });
    sideEffects = join(mkdtempSync(join(tmpdir(), 'backstop-discord-')), 'effects.log');
    const discord = `
discord:
  guild_id: "${emu.guildId}"
  channel_id: "${emu.channelId}"
  roles: { approver: ["${approver}"], viewer: ["${viewer}"], oncall: "${oncall}" }`;
    b = await startBackstop({
      policy: testPolicy({ executorArgv: [SCRIPT, sideEffects, '0.3'], onNoData: 'pass', discord, production: '{ required: 2, requester_counts: false }' }),
      roles: { gateway: true },
      env: { DISCORD_TOKEN: emu.botToken, DISCORD_API_URL: emu.apiUrl, BACKSTOP_DISCORD_SWEEP_INTERVAL_MS: '500' },
      // The outage test waits on what the deliveries log (gave up, re-sending) instead of on a guess of their timing.
      keepLogs: 'info',
    });
    // The real CLI registers the commands (reading the guild from the policy file, the application from Discord).
    const { stdout } = await run(process.execPath, [resolve('bin/backstop.mjs'), 'commands', 'register'], { env: b.childEnv });
    expect(stdout.trim()).toBe(`registered 3 commands (guild ${emu.guildId})`);
    expect(emu.registeredCommands(emu.guildId).map((c) => (c as { name: string }).name)).toEqual(['approve', 'rollback', 'freeze']);
  });
  afterAll(async () => {
    await b?.close();
    await emu?.close();
  });
  afterEach(() => {
    // Anything Discord would have refused fails the test that caused it.
    expect(emu.violations).toEqual([]);
    expect(emu.rateLimited).toBe(0);
  });

  async function deploy(env: string, version: string, good: boolean): Promise<string> {
    const rec = await b.api('POST', '/api/deployments', 'ci', { service: 'payments', environment: env, version, git_commit: `a7f3b29${version.replace(/\D/g, '')}` });
    const id = rec.body.deployment_id as string;
    await b.api('POST', `/api/deployments/${id}/complete`, 'ci', { status: good ? 'success' : 'failed', health_check_passed: good });
    return id;
  }

  const cardOf = (eventId: string) => emu.messages().find((m) => m.embeds[0]?.footer?.text?.startsWith(`event ${eventId}`) && !(m.flags & 64) && m.components.length > 0);
  const field = (m: EmulatedMessage, name: string): string => m.embeds[0].fields.find((f: { name: string }) => f.name === name)?.value ?? '';
  const buttons = (m: EmulatedMessage) => m.components[0].components.map((c: { label: string; disabled?: boolean }) => `${c.label}${c.disabled ? ' (disabled)' : ''}`);
  const outcomes = (eventId: string) => emu.messages().filter((m) => m.components.length === 0 && m.embeds[0]?.footer?.text === `event ${eventId}`);
  const eventStatus = async (eventId: string) => (await b.api('GET', `/api/rollbacks/${eventId}`, 'viewer')).body.status as string;

  /** Approve on the card the way a person does: the button, then the reason in the modal. */
  async function approveOnCard(user: EmulatedUser, card: EmulatedMessage, reason: string) {
    const click = await emu.click(user, card.id, card.components[0].components[0].custom_id);
    const modal = await click.until((i) => i.callbacks.find((c) => c.type === 9) ?? i.original()?.content);
    if (typeof modal === 'string') return modal;
    const submit = await emu.submitModal(user, { customId: modal.data.custom_id, fields: { reason }, messageId: card.id });
    return submit.until((i) => i.original()?.content);
  }

  it('turns an automatic trigger into a proposal card; two approvers click Approve; progress ends in success', async () => {
    const good = await deploy('production', 'v2.5.2', true);
    const bad = await deploy('production', 'v2.5.3', false);
    const req = await b.api('POST', '/auto-rollback', 'robot', { deployment_id: bad, trigger_reason: 'High error rate (8.5 errors/minute)', trigger_type: 'automatic' });
    expect(req.status, JSON.stringify(req.body)).toBe(201);
    const eventId = req.body.event_id as string;

    const card = await emu.waitFor(() => cardOf(eventId));
    expect(card.embeds[0].title).toBe('🟠 ROLLBACK PROPOSED');
    expect(field(card, 'Deployment')).toContain('v2.5.3');
    expect(field(card, 'Target')).toContain('v2.5.2');
    expect(field(card, 'Approvals')).toMatch(/^0\/2 approvals; waiting for 2 more approvers\nExpires <t:\d+:R>$/);
    expect(buttons(card)).toEqual(['Approve', 'Reject', 'Details']);

    expect(await approveOnCard(alice, card, 'error rate confirmed on the dashboard')).toMatch(/Approval recorded: 1\/2 approvals \(alice\)/);
    await emu.waitFor(() => field(cardOf(eventId)!, 'Approvals').startsWith('1/2 approvals (alice)'));
    expect(field(cardOf(eventId)!, 'Approvals')).toContain('\n✅ **alice** approved: error rate confirmed on the dashboard');
    // The same person approving twice counts once.
    expect(await approveOnCard(alice, card, 'again')).toMatch(/already decided/);
    expect(await approveOnCard(bob, card, 'agreed')).toMatch(/approved and queued/);

    const final = await emu.waitFor(() => {
      const c = cardOf(eventId);
      return c?.embeds[0].title === '✅ ROLLBACK COMPLETE' ? c : undefined;
    }, 20_000);
    expect(buttons(final)).toEqual(['Approve (disabled)', 'Reject (disabled)', 'Details']);
    expect(field(final, 'Progress')).toMatch(/^▰▰▰▰▰ 5\/5 · .+\n✅ validate · .+\n✅ snapshot · .+\n✅ execute · .+\n✅ verify · .+\n✅ finish · .+$/);
    expect(final.edits).toBeGreaterThan(1);
    // One card for the whole rollback, one outcome message, no ping on success.
    await emu.waitFor(() => outcomes(eventId).length === 1);
    expect(outcomes(eventId)[0]!.embeds[0].title).toBe('✅ Rollback completed successfully');
    expect(outcomes(eventId)[0]!.allowed_mentions).toEqual({ parse: [] });
    expect(emu.messages().filter((m) => m.embeds[0]?.footer?.text?.startsWith(`event ${eventId}`) && !(m.flags & 64))).toHaveLength(2);
    expect(readFileSync(sideEffects, 'utf8').trim().split('\n')).toEqual([`${eventId} v2.5.2`]);

    // A late click is told who resolved it.
    const late = await emu.click(carol, final.id, final.components[0].components[2].custom_id);
    expect(await late.until((i) => i.original()?.embeds[0]?.title)).toBe('✅ ROLLBACK COMPLETE');
    void good;
  });

  it('/approve rollback works like the button; with requester_counts false the requester cannot approve their own', async () => {
    await deploy('production', 'v3.0.0', true);
    const bad = await deploy('production', 'v3.0.1', false);
    const ask = await emu.slash(alice, { name: 'approve', options: [{ type: 1, name: 'rollback', options: [{ type: 3, name: 'deployment_id', value: bad }, { type: 3, name: 'reason', value: 'checkout errors @everyone' }] }] });
    const asked = await ask.until((i) => i.original()?.content);
    expect(ask.original()!.flags & 64).toBe(64);
    expect(asked).toMatch(/Rollback requested: \*\*payments\*\* in \*\*production\*\* → `v3.0.0` \(event `([0-9a-f-]{36})`\)\. It needs 2 approvals from people other than you/);
    const eventId = /event `([0-9a-f-]{36})`/.exec(asked)![1]!;
    const card = await emu.waitFor(() => cardOf(eventId));
    expect(field(card, 'Reason')).toBe('checkout errors @\u200beveryone');
    expect(card.allowed_mentions).toEqual({ parse: [] });

    expect(await approveOnCard(alice, card, 'mine')).toMatch(/you cannot approve a rollback you asked for/);
    const second = await emu.slash(bob, { name: 'approve', options: [{ type: 1, name: 'rollback', options: [{ type: 3, name: 'deployment_id', value: bad }, { type: 3, name: 'reason', value: 'seen it too' }] }] });
    expect(await second.until((i) => i.original()?.content)).toMatch(/Approval recorded: 1\/2 approvals \(bob\)/);
    expect(await approveOnCard(carol, card, 'go')).toMatch(/approved and queued/);
    await waitFor('rollback to succeed', async () => (await eventStatus(eventId)) === 'succeeded', 20_000);
    await emu.waitFor(() => cardOf(eventId)?.embeds[0].title === '✅ ROLLBACK COMPLETE');
  });

  it('refuses an unauthorized user on every command and button, ephemerally, with the reason, and audits it', async () => {
    await deploy('staging', 'v9.9.8', true);
    const bad = await deploy('staging', 'v9.9.9', false);
    const refusals: string[] = [];
    const asMallory = [
      { name: 'approve', options: [{ type: 1, name: 'rollback', options: [{ type: 3, name: 'deployment_id', value: bad }, { type: 3, name: 'reason', value: 'x' }] }] },
      { name: 'rollback', options: [{ type: 1, name: 'history', options: [] }] },
      { name: 'rollback', options: [{ type: 1, name: 'check', options: [{ type: 3, name: 'deployment_id', value: bad }] }] },
      { name: 'rollback', options: [{ type: 1, name: 'plan', options: [{ type: 3, name: 'deployment_id', value: bad }] }] },
      { name: 'rollback', options: [{ type: 1, name: 'status', options: [{ type: 3, name: 'event_id', value: '3f1c9a52-8d1e-4b7a-9c3e-2a6f0b1d4e5c' }] }] },
      { name: 'rollback', options: [{ type: 1, name: 'cancel', options: [{ type: 3, name: 'event_id', value: '3f1c9a52-8d1e-4b7a-9c3e-2a6f0b1d4e5c' }] }] },
    ];
    for (const cmd of asMallory) {
      const i = await emu.slash(mallory, cmd);
      refusals.push(await i.until((x) => x.original()?.content));
      expect(i.original()!.flags & 64).toBe(64);
    }
    // A viewer may look but not decide.
    const vicAsk = await emu.slash(vic, asMallory[0]!);
    refusals.push(await vicAsk.until((x) => x.original()?.content));
    const vicLook = await emu.slash(vic, asMallory[2]!);
    expect(await vicLook.until((x) => x.original()?.embeds[0]?.title)).toMatch(/Should roll back|Inconclusive|Healthy/);

    // Buttons on a real card.
    const req = await b.api('POST', '/auto-rollback', 'robot', { deployment_id: bad, trigger_reason: 'probe failing', trigger_type: 'alert' });
    const eventId = req.body.event_id as string;
    const card = await emu.waitFor(() => cardOf(eventId));
    for (const button of card.components[0].components as Array<{ custom_id: string }>) {
      const i = await emu.click(mallory, card.id, button.custom_id);
      refusals.push(await i.until((x) => x.original()?.content));
    }
    expect(refusals).toHaveLength(10);
    for (const r of refusals) expect(r).toMatch(/^⛔ you need the (viewer or approver or override|approver or override) role in backstop's policy to do this\.$/);
    expect(await eventStatus(eventId)).toBe('awaiting_approval');
    const audit = await b.running.deps.pool.query(`select count(*)::int as n from ops.audit_log where action = 'discord.refused' and actor = $1`, [`discord:${mallory.id}`]);
    expect(audit.rows[0].n).toBe(9);
    await b.api('POST', `/api/rollbacks/${eventId}/cancel`, 'alice', { reason: 'test done' });
  });

  it('answers bad input with a specific ephemeral message', async () => {
    const cases: Array<[unknown[], RegExp]> = [
      [[{ type: 3, name: 'deployment_id', value: 'abc-123' }, { type: 3, name: 'reason', value: 'x' }], /deployment\\_id: expected a UUID, got "abc-123"/],
      [[{ type: 3, name: 'deployment_id', value: '3f1c9a52-8d1e-4b7a-9c3e-2a6f0b1d4e5c' }, { type: 3, name: 'reason', value: 'x' }], /deployment 3f1c9a52-8d1e-4b7a-9c3e-2a6f0b1d4e5c not found/],
      [[{ type: 3, name: 'deployment_id', value: '3f1c9a52-8d1e-4b7a-9c3e-2a6f0b1d4e5c' }, { type: 3, name: 'reason', value: '   ' }], /reason must not be empty/],
    ];
    for (const [options, expected] of cases) {
      const i = await emu.slash(alice, { name: 'approve', options: [{ type: 1, name: 'rollback', options }] });
      expect(await i.until((x) => x.original()?.content)).toMatch(expected);
    }
  });

  it('pages /rollback history with Previous and Next', async () => {
    const i = await emu.slash(vic, { name: 'rollback', options: [{ type: 1, name: 'history', options: [{ type: 3, name: 'service', value: 'payments' }, { type: 4, name: 'limit', value: 1 }] }] });
    const first = await i.until((x) => (x.original()?.embeds[0]?.title === 'Rollback history' ? x.original() : undefined));
    expect(first.embeds[0].footer.text).toBe('page 1 · service payments');
    expect(buttons(first)).toEqual(['Previous (disabled)', 'Next']);
    const seen = [JSON.stringify(first.embeds[0].fields)];
    let page = first;
    for (let n = 2; n <= 3; n++) {
      await emu.click(vic, page.id, page.components[0].components[1].custom_id);
      page = await emu.waitFor(() => {
        const m = i.original();
        return m?.embeds[0]?.footer?.text === `page ${n} · service payments` ? m : undefined;
      });
      seen.push(JSON.stringify(page.embeds[0].fields));
    }
    expect(new Set(seen).size).toBe(3);
    // Newest first: who cancelled, who approved and why (the earlier tests' rollbacks of payments).
    expect(seen[0]).toContain('Outcome: cancelled by alice: test done');
    expect(seen[1]).toContain('✅ **bob** approved: seen it too');
    expect(seen[1]).toContain('✅ **carol** approved: go');
    expect(seen[2]).toContain('✅ **alice** approved: error rate confirmed on the dashboard');
    expect(buttons(page)).toEqual(['Previous', 'Next (disabled)']);
    await emu.click(vic, page.id, page.components[0].components[0].custom_id);
    await emu.waitFor(() => i.original()?.embeds[0]?.footer?.text === 'page 2 · service payments');
  });

  it('autocompletes deployments by service, environment and version', async () => {
    const i = await emu.autocomplete(alice, { name: 'approve', options: [{ type: 1, name: 'rollback', options: [{ type: 3, name: 'deployment_id', value: 'v3.0', focused: true }] }] });
    const choices = await i.until((x) => x.callbacks.find((c) => c.type === 8)?.data.choices as Array<{ name: string; value: string }>);
    // Newest first; the v3.0.0 restored by the earlier rollback is its own deployment, and says so.
    expect(choices.map((c) => c.name.split(' · ').slice(0, 4).join(' · '))).toEqual([
      'payments · production · v3.0.0 (restored)',
      'payments · production · v3.0.1',
      'payments · production · v3.0.0',
    ].map((n) => expect.stringContaining(n)));
    expect(choices.every((c) => /^[0-9a-f-]{36}$/.test(c.value))).toBe(true);
  });

  it('loses nothing to injected 429s and a dropped gateway connection', async () => {
    await deploy('staging', 'v4.0.0', true);
    const bad = await deploy('staging', 'v4.0.1', false);
    emu.injectRateLimits(4, (method, path) => path.startsWith('/channels/'), 300);
    const resumes = emu.gateway.resumes;
    emu.reconnectGateway('drop');
    await emu.waitFor(() => emu.gateway.resumes > resumes, 10_000);
    const ask = await emu.slash(alice, { name: 'approve', options: [{ type: 1, name: 'rollback', options: [{ type: 3, name: 'deployment_id', value: bad }, { type: 3, name: 'reason', value: 'staging broken' }] }] });
    const asked = await ask.until((x) => x.original()?.content);
    expect(asked).toMatch(/approved by you and queued/);
    const eventId = /event `([0-9a-f-]{36})`/.exec(asked)![1]!;
    await emu.waitFor(() => cardOf(eventId)?.embeds[0].title === '✅ ROLLBACK COMPLETE', 20_000);
    await emu.waitFor(() => outcomes(eventId).length === 1);
    expect(emu.injectedRateLimited).toBe(4);
    // Exactly one card and one outcome, despite the retries.
    expect(emu.messages().filter((m) => m.embeds[0]?.footer?.text?.startsWith(`event ${eventId}`) && !(m.flags & 64))).toHaveLength(2);
  });

  it('delivers the card and the outcome once Discord is reachable again, after an outage longer than the retries', async () => {
    await deploy('staging', 'v5.0.0', true);
    const bad = await deploy('staging', 'v5.0.1', false);
    emu.setOutage((_method, path) => path.startsWith('/channels/'));
    const logged = b.logs.length;
    const since = () => b.logs.slice(logged);
    let eventId: string;
    try {
      const req = await b.api('POST', '/auto-rollback', 'alice', { deployment_id: bad, trigger_reason: 'staging down during a Discord outage' });
      eventId = req.body.event_id as string;
      await waitFor('rollback to succeed', async () => (await eventStatus(eventId)) === 'succeeded', 20_000);
      // Past the live path's retries: it has given up on this event, and the delivery sweep has taken it over.
      await waitFor('the live delivery to give up', async () => since().some((r) => r.eventId === eventId && r.msg.includes('giving up')), 30_000);
      await waitFor('the delivery sweep to take it over', async () => since().some((r) => r.msg === 'discord delivery sweep re-sending'), 30_000);
      expect(cardOf(eventId)).toBeUndefined();
    } finally {
      emu.setOutage(null);
    }
    await emu.waitFor(() => cardOf(eventId)?.embeds[0].title === '✅ ROLLBACK COMPLETE', 15_000);
    await emu.waitFor(() => outcomes(eventId).length === 1, 15_000);
    // Once the database records both as delivered, neither the sweep nor a retry has anything left to post for it.
    await waitFor('both deliveries to be recorded', async () => !(await owedToDiscord(b.running.deps.db)).has(eventId));
    expect(emu.messages().filter((m) => m.embeds[0]?.footer?.text?.startsWith(`event ${eventId}`) && !(m.flags & 64))).toHaveLength(2);
  }, 90_000);
});

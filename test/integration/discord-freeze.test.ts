import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startDiscordEmulator, type DiscordEmulator, type EmulatedMessage, type EmulatedUser } from '@backstop/discord-emulator';
import { registerCommands } from '../../src/gateway/register-commands.ts';
import { createDiscordRest } from '../../src/discord/rest.ts';
import { startBackstop, testPolicy, waitFor, type Backstop } from '../support/harness.ts';

// Freezes in Discord: the real backstop (gateway, worker, api) against the Discord emulator, with real Postgres and
// Redis. What a person sees and clicks on a freeze card, what the gate answers CI after each click, and every request
// checked against Discord's own schemas.

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/;

describe('freezes in Discord', () => {
  let emu: DiscordEmulator;
  let b: Backstop;
  let alice: EmulatedUser, bob: EmulatedUser, olga: EmulatedUser, vic: EmulatedUser;
  let oncall: string;

  beforeAll(async () => {
    emu = await startDiscordEmulator();
    const approver = emu.createRole('approver');
    const override = emu.createRole('override');
    const viewer = emu.createRole('viewer');
    oncall = emu.createRole('on-call');
    alice = emu.addUser({ username: 'alice', roles: [approver] });
    bob = emu.addUser({ username: 'bob', roles: [approver] });
    olga = emu.addUser({ username: 'olga', roles: [override] });
    vic = emu.addUser({ username: 'vic', roles: [viewer] });
    const discord = `
discord:
  guild_id: "${emu.guildId}"
  channel_id: "${emu.channelId}"
  roles: { approver: ["${approver}"], override: ["${override}"], viewer: ["${viewer}"], oncall: "${oncall}" }`;
    b = await startBackstop({
      policy: testPolicy({ executorArgv: ['/bin/true'], discord }),
      roles: { gateway: true },
      // The sweep is what edits the card of a freeze that ends by itself: often here, so the test waits little.
      env: { DISCORD_TOKEN: emu.botToken, DISCORD_API_URL: emu.apiUrl, BACKSTOP_DISCORD_SWEEP_INTERVAL_MS: '500' },
    });
    await registerCommands(createDiscordRest(emu.botToken, emu.apiUrl), { applicationId: emu.applicationId, guildId: emu.guildId });
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

  const inChannel = (m: EmulatedMessage) => !(m.flags & 64);
  const cardOf = (freezeId: string) => emu.messages().find((m) => inChannel(m) && m.embeds[0]?.footer?.text === `freeze ${freezeId}`);
  const passMessageOf = (passId: string) => emu.messages().find((m) => inChannel(m) && m.embeds[0]?.footer?.text === `pass ${passId}`);
  const field = (m: EmulatedMessage, name: string): string => m.embeds[0].fields.find((f: { name: string }) => f.name === name)?.value ?? '';
  const buttons = (m: EmulatedMessage) => m.components[0].components.map((c: { label: string; disabled?: boolean }) => `${c.label}${c.disabled ? ' (disabled)' : ''}`);
  const button = (m: EmulatedMessage, label: string): string => m.components[0].components.find((c: { label: string }) => c.label === label).custom_id;
  const gate = async (service: string, environment: string, version: string) =>
    (await b.api('GET', `/api/gate?service=${service}&environment=${environment}&version=${encodeURIComponent(version)}`, 'ci')).body as {
      decision: string;
      freezes: Array<{ kind: string; id: string }>;
      exemption: { kind: string; pass_id?: string } | null;
    };

  const sub = (name: string, options: Array<[string, string]>) => ({ name: 'freeze', options: [{ type: 1, name, options: options.map(([n, value]) => ({ type: 3, name: n, value })) }] });

  /** `/freeze set` as a person types it; answers with the reply and the freeze id it names. */
  async function freeze(user: EmulatedUser, service: string, environment: string, duration: string, reason: string) {
    const i = await emu.slash(user, sub('set', [['service', service], ['environment', environment], ['duration', duration], ['reason', reason]]));
    const reply = await i.until((x) => x.original()?.content);
    expect(i.original()!.flags & 64).toBe(64);
    return { reply, freezeId: UUID.exec(reply)?.[0] ?? '' };
  }

  async function click(user: EmulatedUser, message: EmulatedMessage, label: string): Promise<string> {
    const i = await emu.click(user, message.id, button(message, label));
    return i.until((x) => x.original()?.content);
  }

  it('/freeze set posts the card in the channel, and the gate denies a forward deploy', async () => {
    const { reply, freezeId } = await freeze(alice, 'payments', 'production', '2h', 'quarter-end close');
    expect(reply).toMatch(/^🧊 Froze forward deploys of \*\*payments\*\* to \*\*production\*\* until <t:\d+:f> \(<t:\d+:R>\)\. Rollbacks to the known-good version still go through\./);
    const card = await emu.waitFor(() => cardOf(freezeId));
    expect(card.embeds[0].title).toBe('🧊 DEPLOYS FROZEN');
    expect([field(card, 'Service'), field(card, 'Environment'), field(card, 'Set by'), field(card, 'Reason')]).toEqual(['payments', 'production', 'alice', 'quarter-end close']);
    expect(field(card, 'Ends')).toMatch(/^<t:\d+:f> \(<t:\d+:R>\)$/);
    expect(buttons(card)).toEqual(['Unfreeze', 'Let one deploy through']);

    const verdict = await gate('payments', 'production', 'v3.1.0');
    expect(verdict.decision).toBe('deny');
    expect(verdict.freezes).toContainEqual(expect.objectContaining({ kind: 'manual', id: freezeId }));

    // Anyone with a backstop role may look; the list names the id to lift it by.
    const list = await emu.slash(vic, sub('list', [['service', 'payments']]));
    const page = await list.until((x) => x.original()?.embeds[0]);
    expect(page.title).toBe('Frozen now');
    expect(page.fields).toContainEqual({ name: '🧊 payments · production', value: expect.stringContaining(`\`${freezeId}\` freeze: quarter-end close (set by alice;`) });
  });

  it('refuses Unfreeze to a viewer, ephemerally, and the freeze holds; an approver’s click lifts it and edits the card', async () => {
    const card = await emu.waitFor(() => emu.messages().find((m) => inChannel(m) && m.embeds[0]?.title === '🧊 DEPLOYS FROZEN' && field(m, 'Environment') === 'production'));
    const freezeId = card.embeds[0].footer.text.replace('freeze ', '');

    expect(await click(vic, card, 'Unfreeze')).toBe("⛔ you need the approver or override role in backstop's policy to do this.");
    expect((await gate('payments', 'production', 'v3.1.0')).decision).toBe('deny');
    expect(cardOf(freezeId)!.embeds[0].title).toBe('🧊 DEPLOYS FROZEN');

    expect(await click(bob, card, 'Unfreeze')).toMatch(/^🟢 Lifted the freeze on \*\*payments\*\* in \*\*production\*\*\./);
    const lifted = await emu.waitFor(() => (cardOf(freezeId)?.embeds[0].title === '🟢 FREEZE LIFTED' ? cardOf(freezeId) : undefined));
    expect(field(lifted, 'Lifted')).toMatch(/^by bob <t:\d+:f> \(<t:\d+:R>\)$/);
    expect(buttons(lifted)).toEqual(['Unfreeze (disabled)', 'Let one deploy through (disabled)']);
    expect((await gate('payments', 'production', 'v3.1.0')).decision).toBe('allow');

    // Lifting it again, by its id, records nothing and says why.
    const again = await emu.slash(alice, sub('lift', [['freeze_id', freezeId]]));
    expect(await again.until((x) => x.original()?.content)).toBe(`⚠️ freeze ${freezeId} was lifted already by bob`);
  });

  it('lets one deploy through: the override role asks in a modal, a second person grants, the gate lets exactly that version by', async () => {
    const { freezeId } = await freeze(alice, 'payments', 'staging', '2h', 'load test running');
    const card = await emu.waitFor(() => cardOf(freezeId));

    // The modal is only for the override role: an approver or a viewer is told so instead.
    expect(await (await emu.click(alice, card.id, button(card, 'Let one deploy through'))).until((x) => x.original()?.content)).toBe(
      "⛔ you need the override role in backstop's policy to do this.",
    );
    const open = await emu.click(olga, card.id, button(card, 'Let one deploy through'));
    const modal = await open.until((x) => x.callbacks.find((c) => c.type === 9));
    expect(modal.data.components.map((row: { components: Array<{ custom_id: string }> }) => row.components[0]!.custom_id)).toEqual(['version', 'reason']);
    const submit = await emu.submitModal(olga, { customId: modal.data.custom_id, fields: { version: 'v9.9.9', reason: 'hotfix for checkout' } });
    const asked = await submit.until((x) => x.original()?.content);
    expect(asked).toMatch(/^🎫 Asked to let `v9\.9\.9` of \*\*payments\*\* through to \*\*staging\*\* once\. A second person \(an approver other than you\) must click \*\*Grant\*\*/);
    const passId = / Pass `([0-9a-f-]{36})`/.exec(asked)![1]!;

    const message = await emu.waitFor(() => passMessageOf(passId));
    expect(message.embeds[0].title).toBe('🎫 ONE DEPLOY THROUGH THE FREEZE: needs a second person');
    expect([field(message, 'Version'), field(message, 'Asked by'), field(message, 'Reason')]).toEqual(['`v9.9.9`', 'olga', 'hotfix for checkout']);
    expect(buttons(message)).toEqual(['Grant']);
    // Not yet granted: the gate still says no.
    expect((await gate('payments', 'staging', 'v9.9.9')).decision).toBe('deny');

    expect(await click(olga, message, 'Grant')).toBe('⚠️ the second person must be someone other than olga, who asked for the pass');
    expect(await click(vic, message, 'Grant')).toBe("⛔ you need the approver or override role in backstop's policy to do this.");
    expect(await click(bob, message, 'Grant')).toMatch(/^✅ Granted: `v9\.9\.9` of \*\*payments\*\* may deploy to \*\*staging\*\* once, until <t:\d+:R>\.$/);
    const granted = await emu.waitFor(() => (passMessageOf(passId)?.embeds[0].title === '✅ PASS GRANTED' ? passMessageOf(passId) : undefined));
    expect(field(granted, 'Granted by')).toMatch(/^bob <t:\d+:R>$/);
    expect(buttons(granted)).toEqual(['Grant (disabled)']);

    const through = await gate('payments', 'staging', 'v9.9.9');
    expect(through.decision).toBe('allow');
    expect(through.exemption).toEqual(expect.objectContaining({ kind: 'pass', pass_id: passId }));
    expect((await gate('payments', 'staging', 'v9.9.8')).decision).toBe('deny');
    await b.api('POST', `/api/freezes/${freezeId}/lift`, 'alice', { reason: 'load test done' });
    await emu.waitFor(() => cardOf(freezeId)?.embeds[0].title === '🟢 FREEZE LIFTED');
  });

  it('posts a card for a freeze set through the API, and edits it when the API lifts it', async () => {
    const set = await b.api('POST', '/api/freezes', 'alice', { service: 'search', environment: 'staging', duration: '2h', reason: 'index rebuild' });
    expect(set.status, JSON.stringify(set.body)).toBe(201);
    const freezeId = set.body.freeze_id as string;
    const card = await emu.waitFor(() => cardOf(freezeId));
    expect([field(card, 'Service'), field(card, 'Environment'), field(card, 'Set by'), field(card, 'Reason')]).toEqual(['search', 'staging', 'alice', 'index rebuild']);
    expect((await gate('search', 'staging', 'v1.0.0')).decision).toBe('deny');

    expect((await b.api('POST', `/api/freezes/${freezeId}/lift`, 'bob', { reason: 'rebuilt' })).status).toBe(200);
    const lifted = await emu.waitFor(() => (cardOf(freezeId)?.embeds[0].title === '🟢 FREEZE LIFTED' ? cardOf(freezeId) : undefined));
    expect(field(lifted, 'Lifted')).toMatch(/: rebuilt$/);
    // One card for the freeze, however many times it changed.
    expect(emu.messages().filter((m) => inChannel(m) && m.embeds[0]?.footer?.text === `freeze ${freezeId}`)).toHaveLength(1);
  });

  it('edits the card of a short freeze to ended without anyone clicking', async () => {
    const { freezeId } = await freeze(alice, 'payments', 'production', '2s', 'two seconds of calm');
    await emu.waitFor(() => cardOf(freezeId));
    const ended = await emu.waitFor(() => (cardOf(freezeId)?.embeds[0].title === '⌛ FREEZE ENDED' ? cardOf(freezeId) : undefined), 15_000);
    expect(field(ended, 'Ended')).toMatch(/^by itself <t:\d+:f>/);
    expect(buttons(ended)).toEqual(['Unfreeze (disabled)', 'Let one deploy through (disabled)']);
    expect((await gate('payments', 'production', 'v3.1.0')).decision).toBe('allow');
    // The database records the card as showing the end, so no later sweep edits it again.
    await waitFor('the card to be recorded as ended', async () => {
      const row = await b.running.deps.pool.query(`select rendered_state from ops.freeze_messages where freeze_id = $1`, [freezeId]);
      return row.rows[0]?.rendered_state === 'ended';
    });
  });

  it('pings nobody with @everyone or a role mention in a reason; /freeze lift works by id', async () => {
    const { freezeId } = await freeze(alice, 'search', 'staging', '1h', `@everyone stop deploying <@&${oncall}> **now**`);
    const card = await emu.waitFor(() => cardOf(freezeId));
    expect(field(card, 'Reason')).toBe(`@\u200beveryone stop deploying <\u200b@\u200b&${oncall}> \\*\\*now\\*\\*`);
    expect(card.allowed_mentions).toEqual({ parse: [] });
    expect(card.content).toBe('');

    const lift = await emu.slash(bob, sub('lift', [['freeze_id', freezeId], ['reason', '@here all clear']]));
    expect(await lift.until((x) => x.original()?.content)).toMatch(/^🟢 Lifted the freeze on \*\*search\*\* in \*\*staging\*\*\./);
    expect(lift.original()!.allowed_mentions).toEqual({ parse: [] });
    const lifted = await emu.waitFor(() => (cardOf(freezeId)?.embeds[0].title === '🟢 FREEZE LIFTED' ? cardOf(freezeId) : undefined));
    expect(field(lifted, 'Lifted')).toMatch(/: @\u200bhere all clear$/);
    expect(lifted.allowed_mentions).toEqual({ parse: [] });
  });

  it('catches up once Discord is back: a card whose freeze ended during the outage, and a freeze set and ended during it', async () => {
    const before = await b.api('POST', '/api/freezes', 'alice', { service: 'payments', environment: 'production', duration: '2s', reason: 'posted before the outage' });
    const shown = await emu.waitFor(() => cardOf(before.body.freeze_id));
    const failed = (method: string, path: (p: string) => boolean) => emu.requests.some((r) => r.method === method && r.status === 503 && path(r.path));
    let during: string;
    emu.setOutage((_method, path) => path.startsWith('/channels/'));
    try {
      const set = await b.api('POST', '/api/freezes', 'alice', { service: 'search', environment: 'staging', duration: '2s', reason: 'set during the outage' });
      during = set.body.freeze_id as string;
      // Both have ended, and backstop has tried (and failed) to edit the first card and to post the second.
      await waitFor('both freezes to end', async () => (await gate('payments', 'production', 'v3.1.0')).decision === 'allow' && (await gate('search', 'staging', 'v1.0.0')).decision === 'allow');
      await waitFor('an edit of the first card to fail', async () => failed('PATCH', (p) => p.endsWith(`/messages/${shown.id}`)), 20_000);
      await waitFor('a post of the second card to fail', async () => failed('POST', (p) => p.endsWith('/messages')), 20_000);
      expect(cardOf(before.body.freeze_id)!.embeds[0].title).toBe('🧊 DEPLOYS FROZEN');
      expect(cardOf(during)).toBeUndefined();
    } finally {
      emu.setOutage(null);
    }
    await emu.waitFor(() => cardOf(before.body.freeze_id)?.embeds[0].title === '⌛ FREEZE ENDED', 20_000);
    const late = await emu.waitFor(() => (cardOf(during)?.embeds[0].title === '⌛ FREEZE ENDED' ? cardOf(during) : undefined), 20_000);
    expect(field(late, 'Reason')).toBe('set during the outage');
    await waitFor('both cards to be recorded as ended', async () => {
      const rows = await b.running.deps.pool.query(`select rendered_state from ops.freeze_messages where freeze_id = any($1::uuid[])`, [[before.body.freeze_id, during]]);
      return rows.rows.length === 2 && rows.rows.every((r) => r.rendered_state === 'ended');
    });
    expect(emu.messages().filter((m) => inChannel(m) && m.embeds[0]?.footer?.text === `freeze ${during}`)).toHaveLength(1);
  }, 90_000);

  it('answers bad input with a specific ephemeral message, never a stack trace', async () => {
    const cases: Array<[ReturnType<typeof sub>, string | RegExp]> = [
      [sub('set', [['service', 'payments'], ['environment', 'production'], ['duration', 'forever'], ['reason', 'x']]), '⚠️ duration: expected a duration such as 30m, 2h or 3d (at most 30d), got "forever"'],
      [sub('set', [['service', 'payments'], ['environment', 'production'], ['duration', '31d'], ['reason', 'x']]), /^⚠️ duration: expected a duration/],
      [sub('set', [['service', 'nope'], ['environment', 'production'], ['duration', '1h'], ['reason', 'x']]), '⚠️ service "nope" in environment "production" is not configured in the policy file'],
      [sub('lift', [['freeze_id', '3f1c9a52-8d1e-4b7a-9c3e-2a6f0b1d4e5c']]), '⚠️ no freeze 3f1c9a52-8d1e-4b7a-9c3e-2a6f0b1d4e5c'],
      [sub('list', [['service', 'nope']]), '⚠️ no configured service and environment match nope'],
    ];
    for (const [command, expected] of cases) {
      const i = await emu.slash(alice, command);
      const reply = await i.until((x) => x.original()?.content);
      if (typeof expected === 'string') expect(reply).toBe(expected);
      else expect(reply).toMatch(expected);
      expect(i.original()!.flags & 64).toBe(64);
    }
    // A viewer may list, not freeze.
    const refused = await emu.slash(vic, sub('set', [['service', 'payments'], ['environment', 'production'], ['duration', '1h'], ['reason', 'x']]));
    expect(await refused.until((x) => x.original()?.content)).toBe("⛔ you need the approver or override role in backstop's policy to do this.");
  });

  it('autocompletes services, the chosen service’s environments, and the freezes in force', async () => {
    const { freezeId } = await freeze(alice, 'payments', 'staging', '1h', 'canary soak');
    const choices = async (name: string, options: unknown[]) => {
      const i = await emu.autocomplete(alice, { name: 'freeze', options: [{ type: 1, name, options }] });
      return i.until((x) => x.callbacks.find((c) => c.type === 8)?.data.choices as Array<{ name: string; value: string }>);
    };
    expect(await choices('set', [{ type: 3, name: 'service', value: 'pay', focused: true }])).toEqual([{ name: 'payments', value: 'payments' }]);
    expect(await choices('set', [{ type: 3, name: 'service', value: 'search' }, { type: 3, name: 'environment', value: '', focused: true }])).toEqual([{ name: 'staging', value: 'staging' }]);
    const freezes = await choices('lift', [{ type: 3, name: 'freeze_id', value: 'canary', focused: true }]);
    expect(freezes).toEqual([{ name: expect.stringMatching(/^payments · staging · ends in (59 min|1 h) · canary soak$/), value: freezeId }]);
    await b.api('POST', `/api/freezes/${freezeId}/lift`, 'alice', {});
  });
});

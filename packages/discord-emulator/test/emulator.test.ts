import {
  ActionRowBuilder,
  ButtonBuilder,
  ButtonStyle,
  Client,
  DiscordAPIError,
  Events,
  GatewayIntentBits,
  MessageFlags,
  ModalBuilder,
  REST,
  Routes,
  Status,
  TextInputBuilder,
  TextInputStyle,
  type Interaction,
} from 'discord.js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { type DiscordEmulator, type EmulatedUser, startDiscordEmulator } from '../src/index.ts';

// The real discord.js Client against the loopback emulator: what the bot sends is checked against Discord's own
// schemas and limits, so a passing bot test means Discord would have accepted the same traffic.

const COMMANDS = [
  { name: 'status', description: 'Deferred, then edited' },
  { name: 'secret', description: 'An ephemeral reply' },
  { name: 'card', description: 'A message with buttons' },
  { name: 'defer-follow', description: 'Deferred, then followed up' },
  { name: 'slow', description: 'Answers too late' },
  { name: 'late-edit', description: 'Edits after the token expired' },
  {
    name: 'rollback',
    description: 'Rollback commands',
    options: [
      {
        type: 1,
        name: 'history',
        description: 'Past rollbacks',
        options: [{ type: 3, name: 'service', description: 'Service', required: true, autocomplete: true }],
      },
    ],
  },
];

/**
 * A small bot with one behaviour per command/custom id; errors from Discord are kept so tests can assert them. The
 * late answers wait for the deadline they must miss (the emulator's own verdict, the token's age), not a guess of it.
 */
function botBehaviour(errors: unknown[], emu: DiscordEmulator, tokenLifetimeMs = 15 * 60_000) {
  return async (interaction: Interaction) => {
    const receivedAt = Date.now();
    try {
      if (interaction.isAutocomplete()) {
        const typed = interaction.options.getFocused();
        await interaction.respond(['api', 'web', 'worker'].filter((s) => s.startsWith(typed)).map((s) => ({ name: s, value: s })));
      } else if (interaction.isChatInputCommand()) {
        switch (interaction.commandName) {
          case 'status':
            await interaction.deferReply();
            await interaction.editReply({ content: 'all green', embeds: [{ title: 'Status', description: 'api: ok' }] });
            return;
          case 'secret':
            await interaction.reply({ content: 'only you can see this', flags: MessageFlags.Ephemeral });
            return;
          case 'card': {
            const response = await interaction.reply({
              withResponse: true,
              content: 'Rollback of api requested',
              components: [
                new ActionRowBuilder<ButtonBuilder>().addComponents(
                  new ButtonBuilder().setCustomId('bs:approve').setLabel('Approve').setStyle(ButtonStyle.Success),
                  new ButtonBuilder().setCustomId('bs:reject').setLabel('Reject').setStyle(ButtonStyle.Danger),
                ),
              ],
            });
            if (!response.resource?.message?.id) errors.push(new Error('with_response=true answered without the message'));
            return;
          }
          case 'defer-follow':
            await interaction.deferReply({ flags: MessageFlags.Ephemeral });
            await interaction.followUp({ content: 'done', flags: MessageFlags.Ephemeral });
            await interaction.followUp({ content: 'and one more thing' });
            return;
          case 'slow':
            await emu.waitFor(() => emu.violations.some((v) => v.includes(`(${interaction.id}) was not acknowledged`)));
            await interaction.reply('finally');
            return;
          case 'late-edit':
            await interaction.deferReply();
            // The emulator dates the token before it dispatches the interaction: the token is at least this old.
            await emu.waitFor(() => Date.now() - receivedAt > tokenLifetimeMs, tokenLifetimeMs + 10_000);
            await interaction.editReply('too late');
            return;
          case 'rollback':
            await interaction.reply(`history of ${interaction.options.getString('service', true)}`);
            return;
        }
      } else if (interaction.isButton()) {
        if (interaction.customId === 'bs:approve') {
          await interaction.update({ content: `Approved by ${interaction.user.username}`, components: [] });
        } else if (interaction.customId === 'bs:reject') {
          await interaction.showModal(
            new ModalBuilder()
              .setCustomId('bs:reject-modal')
              .setTitle('Reject rollback')
              .addComponents(
                new ActionRowBuilder<TextInputBuilder>().addComponents(
                  new TextInputBuilder().setCustomId('reason').setLabel('Reason').setStyle(TextInputStyle.Paragraph),
                ),
              ),
          );
        }
      } else if (interaction.isModalSubmit()) {
        const reason = interaction.fields.getTextInputValue('reason');
        if (!interaction.isFromMessage()) throw new Error('the modal should carry the message its button was on');
        await interaction.update({ content: `Rejected: ${reason}`, components: [] });
        await interaction.followUp({ content: 'Logged the rejection.', flags: MessageFlags.Ephemeral });
      }
    } catch (error) {
      errors.push(error);
    }
  };
}

interface Harness {
  emu: DiscordEmulator;
  client: Client;
  rest: REST;
  errors: unknown[];
  alice: EmulatedUser;
}

async function connect(opts: Parameters<typeof startDiscordEmulator>[0] = {}): Promise<Harness> {
  const emu = await startDiscordEmulator(opts);
  const rest = new REST({ api: emu.apiUrl }).setToken(emu.botToken);
  await rest.put(Routes.applicationGuildCommands(emu.applicationId, emu.guildId), { body: COMMANDS });
  const errors: unknown[] = [];
  const client = new Client({ intents: [GatewayIntentBits.Guilds], rest: { api: emu.apiUrl } });
  client.on(Events.InteractionCreate, botBehaviour(errors, emu, opts.tokenLifetimeMs));
  const ready = new Promise<void>((resolve) => client.once(Events.ClientReady, () => resolve()));
  await client.login(emu.botToken);
  await ready;
  const alice = emu.addUser({ username: 'alice', roles: [emu.createRole('deployers')] });
  return { emu, client, rest, errors, alice };
}

async function disconnect(h: Harness | undefined): Promise<void> {
  if (!h) return;
  await h.client.destroy();
  await h.emu.close();
}

/** Takes the violations a test provoked on purpose, leaving the list empty for the afterEach check. */
function takeViolations(emu: DiscordEmulator): string[] {
  return emu.violations.splice(0);
}

describe('discord emulator with the real discord.js client', () => {
  let h: Harness;
  /** 429s a test provokes on purpose; a well-behaved client otherwise never gets one. */
  let expected429s = 0;

  beforeAll(async () => {
    h = await connect();
  });
  afterAll(async () => disconnect(h));
  afterEach(() => {
    expect(h.emu.violations).toEqual([]);
    expect(h.errors).toEqual([]);
    expect(h.emu.rateLimited).toBe(expected429s);
  });

  it('logs in over the emulated gateway and sees the guild', () => {
    const guild = h.client.guilds.cache.get(h.emu.guildId);
    expect(guild?.available).toBe(true);
    expect(guild?.channels.cache.has(h.emu.channelId)).toBe(true);
    expect(guild?.channels.cache.has(h.emu.otherChannelId)).toBe(true);
    expect(guild?.members.me?.id).toBe(h.emu.botUserId);
    expect(h.client.user?.id).toBe(h.emu.botUserId);
    expect(h.client.application?.id).toBe(h.emu.applicationId);
  });

  it('bulk-overwrites guild commands through @discordjs/rest and keeps ids across overwrites', async () => {
    const registered = h.emu.registeredCommands(h.emu.guildId) as Array<{ id: string; name: string }>;
    expect(registered.map((c) => c.name)).toEqual(COMMANDS.map((c) => c.name));
    expect(registered.every((c) => /^\d{17,19}$/.test(c.id))).toBe(true);
    const again = (await h.rest.put(Routes.applicationGuildCommands(h.emu.applicationId, h.emu.guildId), { body: COMMANDS })) as Array<{ id: string }>;
    expect(again.map((c) => c.id)).toEqual(registered.map((c) => c.id));
    expect(h.emu.registeredCommands()).toEqual([]);
  });

  it('rejects a command definition Discord would reject', async () => {
    const bad = [{ name: 'Has Spaces And Is Way Too Long For A Command Name', description: 'x' }];
    await expect(h.rest.put(Routes.applicationGuildCommands(h.emu.applicationId, h.emu.guildId), { body: bad })).rejects.toMatchObject({
      status: 400,
      code: 50035,
    });
    expect(takeViolations(h.emu)).toEqual([expect.stringContaining('PUT /applications/:appId/guilds/:guildId/commands: invalid commands: 0.name')]);
    expect(h.emu.registeredCommands(h.emu.guildId)).toHaveLength(COMMANDS.length);
  });

  it('deferReply + editReply: the original message is filled in, and ackMs is recorded', async () => {
    const i = await h.emu.slash(h.alice, { name: 'status' });
    const content = await i.until((x) => x.original()?.content);
    expect(content).toBe('all green');
    expect(i.callbacks.map((c) => c.type)).toEqual([5]);
    expect(i.ackMs).toBeGreaterThanOrEqual(0);
    expect(i.ackMs).toBeLessThan(3000);
    const original = i.original()!;
    expect(original.flags).toBe(0);
    expect(original.embeds[0]).toMatchObject({ title: 'Status', description: 'api: ok' });
    // Filling in the "thinking…" placeholder is not an edit a person sees.
    expect(original.edits).toBe(0);
    expect(h.emu.messages().map((m) => m.id)).toContain(original.id);
  });

  it('an ephemeral reply is flagged 64 and cannot be edited through the channel endpoint', async () => {
    const i = await h.emu.slash(h.alice, { name: 'secret' });
    const original = await i.until((x) => x.original());
    expect(original.content).toBe('only you can see this');
    expect(original.flags & 64).toBe(64);
    await expect(h.rest.patch(Routes.channelMessage(h.emu.channelId, original.id), { body: { content: 'x' } })).rejects.toMatchObject({
      status: 404,
      code: 10008,
    });
    expect(takeViolations(h.emu)).toEqual([expect.stringContaining('edit of ephemeral message')]);
  });

  it('a follow-up straight after a deferral fills the "thinking…" message, as Discord documents', async () => {
    const i = await h.emu.slash(h.alice, { name: 'defer-follow' });
    const extra = await i.until((x) => x.followUps()[0]);
    expect(i.original()).toMatchObject({ content: 'done', flags: 64, edits: 0 });
    expect(extra).toMatchObject({ content: 'and one more thing', flags: 0 });
  });

  it('subcommand options and autocomplete reach the bot', async () => {
    const ac = await h.emu.autocomplete(h.alice, {
      name: 'rollback',
      options: [{ type: 1, name: 'history', options: [{ type: 3, name: 'service', value: 'w', focused: true }] }],
    });
    const choices = await ac.until((x) => x.callbacks[0]?.data?.choices);
    expect(ac.callbacks[0]!.type).toBe(8);
    expect(choices).toEqual([{ name: 'web', value: 'web' }, { name: 'worker', value: 'worker' }]);

    const run = await h.emu.slash(h.alice, { name: 'rollback', options: [{ type: 1, name: 'history', options: [{ type: 3, name: 'service', value: 'api' }] }] });
    expect(await run.until((x) => x.original()?.content)).toBe('history of api');
    await expect(h.emu.slash(h.alice, { name: 'rollback', options: [{ name: 'nope' }] })).rejects.toThrow(/not an option/);
    await expect(h.emu.slash(h.alice, { name: 'unregistered' })).rejects.toThrow(/not registered/);
  });

  it('button update edits the clicked message; showModal → submitModal → update + ephemeral follow-up', async () => {
    const card = await h.emu.slash(h.alice, { name: 'card' });
    const message = await card.until((x) => x.original());
    expect(message.components[0].components.map((b: any) => b.custom_id)).toEqual(['bs:approve', 'bs:reject']);

    const approve = await h.emu.click(h.alice, message.id, 'bs:approve');
    await approve.until((x) => x.callbacks.length > 0);
    expect(approve.callbacks[0]!.type).toBe(7);
    const edited = h.emu.messages().find((m) => m.id === message.id)!;
    expect(edited).toMatchObject({ content: 'Approved by alice', components: [], edits: 1 });

    const second = await h.emu.slash(h.alice, { name: 'card' });
    const secondMessage = await second.until((x) => x.original());
    const reject = await h.emu.click(h.alice, secondMessage.id, 'bs:reject');
    await reject.until((x) => x.callbacks.length > 0);
    expect(reject.callbacks[0]).toMatchObject({ type: 9, data: { custom_id: 'bs:reject-modal' } });

    const submit = await h.emu.submitModal(h.alice, { customId: 'bs:reject-modal', fields: { reason: 'error budget is fine' } });
    const followUp = await submit.until((x) => x.followUps()[0]);
    expect(submit.callbacks[0]!.type).toBe(7);
    expect(h.emu.messages().find((m) => m.id === secondMessage.id)?.content).toBe('Rejected: error budget is fine');
    expect(followUp.content).toBe('Logged the rejection.');
    expect(followUp.flags & 64).toBe(64);
    await expect(h.emu.submitModal(h.alice, { customId: 'never-shown', fields: {} })).rejects.toThrow(/no modal/);
  });

  it('channel messages: post, nonce dedupe, edit, fetch', async () => {
    const ch = h.emu.otherChannelId;
    const body = { content: 'deploy api#42 started', nonce: 'deploy-42', enforce_nonce: true };
    const first = (await h.rest.post(Routes.channelMessages(ch), { body })) as { id: string; nonce: string };
    const retry = (await h.rest.post(Routes.channelMessages(ch), { body })) as { id: string };
    expect(retry.id).toBe(first.id);
    expect(first.id).toMatch(/^\d{17,19}$/);
    expect(h.emu.messages(ch)).toHaveLength(1);

    await h.rest.patch(Routes.channelMessage(ch, first.id), { body: { content: 'deploy api#42 finished' } });
    expect(h.emu.messages(ch)).toMatchObject([{ id: first.id, content: 'deploy api#42 finished', edits: 1, nonce: 'deploy-42' }]);
    expect(h.emu.messages(ch)).toHaveLength(1);

    // With a file discord.js switches to multipart/form-data with payload_json.
    const withFile = (await h.rest.post(Routes.channelMessages(ch), {
      body: { content: 'log attached' },
      files: [{ name: 'deploy.log', data: Buffer.from('line 1\nline 2\n') }],
    })) as { id: string };
    expect(h.emu.messages(ch).find((m) => m.id === withFile.id)).toMatchObject({
      content: 'log attached',
      attachments: [{ filename: 'deploy.log', size: 14 }],
    });

    const fetched = await h.client.channels.fetch(ch).then((c) => (c?.isTextBased() ? c.messages.fetch(first.id) : undefined));
    expect(fetched?.content).toBe('deploy api#42 finished');
    expect(fetched?.editedTimestamp).not.toBeNull();
  });

  it('a body Discord would reject gets 400 50035 and a violation naming the field', async () => {
    const error = await h.rest
      .post(Routes.channelMessages(h.emu.channelId), { body: { embeds: [{ title: 'x'.repeat(300) }] } })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DiscordAPIError);
    expect(error).toMatchObject({ status: 400, code: 50035 });
    expect((error as DiscordAPIError).rawError).toMatchObject({ errors: { embeds: { 0: { title: { _errors: [{ code: 'BASE_TYPE_MAX_LENGTH' }] } } } } });
    expect(takeViolations(h.emu)).toEqual([expect.stringMatching(/POST \/channels\/:channelId\/messages: .*embeds\.0\.title/)]);

    // The 6000-character total across embeds is Discord's rule, not the schema's.
    const big = Array.from({ length: 2 }, () => ({ description: 'y'.repeat(3500) }));
    await expect(h.rest.post(Routes.channelMessages(h.emu.channelId), { body: { embeds: big } })).rejects.toMatchObject({ status: 400, code: 50035 });
    expect(takeViolations(h.emu)).toEqual([expect.stringContaining('MAX_EMBED_SIZE_EXCEEDED')]);
  });

  it('an injected 429 is waited out and retried by discord.js REST', async () => {
    h.emu.injectRateLimits(1, (method, path) => method === 'POST' && path === `/channels/${h.emu.channelId}/messages`, 150);
    const started = Date.now();
    const sent = (await h.rest.post(Routes.channelMessages(h.emu.channelId), { body: { content: 'after a 429' } })) as { id: string };
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    expect(h.emu.injectedRateLimited).toBe(1);
    const statuses = h.emu.requests.filter((r) => r.path === `/channels/${h.emu.channelId}/messages` && r.method === 'POST').map((r) => r.status);
    expect(statuses.slice(-2)).toEqual([429, 200]);
    expect(h.emu.messages().at(-1)?.id).toBe(sent.id);
  });

  it('channel buckets allow 5 posts per 5 s and answer the 6th with 429 + Retry-After', async () => {
    // Raw fetch, because discord.js would (correctly) wait instead of sending the 6th.
    const url = `${h.emu.apiUrl}/v10/channels/${h.emu.otherChannelId}/messages`;
    const post = (n: number) =>
      fetch(url, {
        method: 'POST',
        headers: { authorization: `Bot ${h.emu.botToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({ content: `burst ${n}` }),
      });
    const remaining: string[] = [];
    // The bucket may already hold this channel's earlier posts from the test above.
    let last: Response | undefined;
    for (let n = 0; n < 6; n += 1) {
      last = await post(n);
      if (last.status === 429) break;
      remaining.push(last.headers.get('x-ratelimit-remaining')!);
      expect(last.headers.get('x-ratelimit-limit')).toBe('5');
      expect(last.headers.get('x-ratelimit-bucket')).toBeTruthy();
    }
    expect(remaining.at(-1)).toBe('0');
    expect(last!.status).toBe(429);
    expect(Number(last!.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await last!.json()).toMatchObject({ message: expect.any(String), retry_after: expect.any(Number), global: false });
    expect(h.emu.rateLimited).toBe(1);
    expected429s = 1;
  });

  it.each(['reconnect', 'drop'] as const)('after reconnectGateway(%s) the client resumes and still receives interactions', async (mode) => {
    const resumes = h.emu.gateway.resumes;
    h.emu.reconnectGateway(mode);
    // Dispatched while the client is away: it must arrive through the RESUME replay.
    const i = await h.emu.slash(h.alice, { name: 'secret' });
    await h.emu.waitFor(() => h.emu.gateway.resumes > resumes);
    expect(await i.until((x) => x.original()?.content)).toBe('only you can see this');
    expect(i.ackMs).toBeLessThan(3000);
  });

  it('after an invalid session the client identifies again', async () => {
    const identifies = h.emu.gateway.identifies;
    h.emu.reconnectGateway('invalid-session');
    await h.emu.waitFor(() => h.emu.gateway.identifies > identifies);
    await h.emu.waitFor(() => h.client.ws.status === Status.Ready);
    const i = await h.emu.slash(h.alice, { name: 'status' });
    expect(await i.until((x) => x.original()?.content)).toBe('all green');
  });
});

/** A raw gateway connection that collects every payload, for checks discord.js never lets us make. */
function rawGateway(url: string) {
  const socket = new WebSocket(`${url}?v=10&encoding=json`);
  const received: Array<{ op: number; t: string | null; s: number | null; d: any }> = [];
  const closed = new Promise<number>((resolve) => socket.on('close', (code) => resolve(code)));
  socket.on('message', (raw) => received.push(JSON.parse(raw.toString())));
  const opened = new Promise<void>((resolve) => socket.on('open', () => resolve()));
  return { socket, received, closed, opened, send: (payload: unknown) => socket.send(JSON.stringify(payload)) };
}

describe('discord emulator protocol edges (raw HTTP and WebSocket)', () => {
  let emu: DiscordEmulator;
  beforeAll(async () => {
    emu = await startDiscordEmulator();
  });
  afterAll(async () => emu.close());

  it('gateway: HELLO, heartbeat ACK, bad token closes 4004, unknown session answers INVALID_SESSION', async () => {
    const a = rawGateway(emu.gatewayUrl);
    await a.opened;
    await emu.waitFor(() => a.received.find((p) => p.op === 10));
    expect(a.received[0]).toMatchObject({ op: 10, d: { heartbeat_interval: 41250 } });
    a.send({ op: 1, d: null });
    await emu.waitFor(() => a.received.find((p) => p.op === 11));
    a.send({ op: 2, d: { token: 'not-the-token', intents: 1, properties: {} } });
    expect(await a.closed).toBe(4004);
    expect(takeViolations(emu)).toEqual([expect.stringContaining('IDENTIFY with a wrong token')]);

    const b = rawGateway(emu.gatewayUrl);
    await b.opened;
    b.send({ op: 6, d: { token: emu.botToken, session_id: 'gone', seq: 3 } });
    await emu.waitFor(() => b.received.find((p) => p.op === 9));
    expect(b.received.find((p) => p.op === 9)?.d).toBe(false);
    b.socket.close(1000);
  });

  it('REST: a second initial response, an unknown route and a bad token are refused and recorded', async () => {
    const c = rawGateway(emu.gatewayUrl);
    await c.opened;
    c.send({ op: 2, d: { token: emu.botToken, intents: 1, properties: {} } });
    await emu.waitFor(() => c.received.find((p) => p.t === 'GUILD_CREATE'));
    const rest = new REST({ api: emu.apiUrl }).setToken(emu.botToken);
    await rest.put(Routes.applicationGuildCommands(emu.applicationId, emu.guildId), { body: COMMANDS });
    const alice = emu.addUser({ username: 'alice' });

    const i = await emu.slash(alice, { name: 'secret' });
    const dispatched = await emu.waitFor(() => c.received.find((p) => p.t === 'INTERACTION_CREATE'));
    expect(dispatched.d).toMatchObject({ id: i.id, token: i.token, type: 2, entitlements: [], authorizing_integration_owners: { '0': emu.guildId } });
    const callback = (body: unknown) =>
      fetch(`${emu.apiUrl}/v10/interactions/${i.id}/${i.token}/callback?with_response=true`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const first = await callback({ type: 4, data: { content: 'hi' } });
    expect(first.status).toBe(200);
    expect(first.headers.get('content-type')).toBe('application/json');
    expect(await first.json()).toMatchObject({ interaction: { id: i.id, response_message_id: i.original()!.id }, resource: { type: 4, message: { content: 'hi' } } });
    const second = await callback({ type: 4, data: { content: 'again' } });
    expect(second.status).toBe(400);
    expect(await second.json()).toMatchObject({ code: 40060 });

    const unknown = await fetch(`${emu.apiUrl}/v10/channels/${emu.channelId}/pins`, { headers: { authorization: `Bot ${emu.botToken}` } });
    expect(unknown.status).toBe(404);
    const unauthorised = await fetch(`${emu.apiUrl}/v10/users/@me`, { headers: { authorization: 'Bot nope' } });
    expect(unauthorised.status).toBe(401);
    expect(await unauthorised.json()).toEqual({ code: 0, message: '401: Unauthorized' });
    expect(unauthorised.headers.get('x-ratelimit-bucket')).toBeTruthy();

    expect(takeViolations(emu)).toEqual([
      expect.stringContaining('second initial response (type 4)'),
      expect.stringContaining('GET /channels/'),
      expect.stringContaining('Authorization header'),
    ]);
    c.socket.close(1000);
  });
});

describe('discord emulator deadlines', () => {
  let h: Harness | undefined;
  afterAll(async () => disconnect(h));

  it('a late initial response and an expired token are violations', async () => {
    h = await connect({ ackTimeoutMs: 200, tokenLifetimeMs: 300 });
    const slow = await h.emu.slash(h.alice, { name: 'slow' });
    await h.emu.waitFor(() => h!.errors.length >= 1);
    expect(slow.callbacks).toEqual([]);
    expect(h.errors[0]).toMatchObject({ status: 404, code: 10062 });

    const late = await h.emu.slash(h.alice, { name: 'late-edit' });
    await h.emu.waitFor(() => h!.errors.length >= 2);
    expect(late.callbacks.map((c) => c.type)).toEqual([5]);
    expect(h.errors[1]).toMatchObject({ status: 401, code: 50027 });

    const violations = takeViolations(h.emu);
    expect(violations).toEqual([
      expect.stringContaining('was not acknowledged within 200 ms'),
      expect.stringMatching(/acknowledged after \d+ ms \(limit 200 ms\)/),
      expect.stringContaining('interaction token used after it expired'),
    ]);
  });
});

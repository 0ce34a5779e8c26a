import { createChannelStore, viewMessage } from './channel-store.ts';
import { createCommandStore } from './command-store.ts';
import { createGateway, Intents, type ReconnectMode } from './gateway.ts';
import { createGuildStore } from './guild-store.ts';
import { createInteractionStore } from './interactions.ts';
import { pollUntil } from './poll.ts';
import { createRateLimiter } from './rate-limit.ts';
import { basicRoutes } from './routes-basics.ts';
import { commandRoutes } from './routes-commands.ts';
import { interactionRoutes } from './routes-interactions.ts';
import { messageRoutes } from './routes-messages.ts';
import { createHttpServer } from './server.ts';
import { createSnowflakes, makeBotToken } from './snowflake.ts';
import type { EmulatedInteraction, EmulatedMessage, EmulatedUser, RequestRecord } from './types.ts';
import { createUserActions } from './user-actions.ts';

export type { EmulatedInteraction, EmulatedMessage, EmulatedUser, RequestRecord } from './types.ts';
export type { ReconnectMode } from './gateway.ts';

export interface DiscordEmulatorOptions {
  /** How long the bot has for the initial interaction response (Discord: 3 s). */
  ackTimeoutMs?: number;
  /** How long an interaction token works for webhook calls (Discord: 15 min). */
  tokenLifetimeMs?: number;
}

export interface DiscordEmulator {
  /** 'http://127.0.0.1:PORT/api' — for `new Client({ rest: { api } })` and `new REST({ api })`. */
  apiUrl: string;
  /** 'ws://127.0.0.1:PORT' — also what GET /gateway/bot answers. */
  gatewayUrl: string;
  botToken: string;
  applicationId: string;
  botUserId: string;
  guildId: string;
  channelId: string;
  otherChannelId: string;
  /** A guild role; `permissions` is a permission bitfield (default none beyond @everyone's). */
  createRole(name: string, permissions?: bigint): string;
  addUser(input: { username: string; roles?: string[] }): EmulatedUser;
  /**
   * Messages in the channel as they look now (edits applied, deleted ones gone), in posting order. Ephemeral
   * interaction replies are included (flags & 64) since the invoking user sees them in the channel.
   */
  messages(channelId?: string): EmulatedMessage[];
  /** Calls listener with the message as it now looks after every post, edit and delete (deleted: true) in any channel. */
  onMessage(listener: (message: EmulatedMessage, change: { deleted: boolean }) => void): () => void;
  slash(user: EmulatedUser, input: { name: string; options?: unknown[]; channelId?: string }): Promise<EmulatedInteraction>;
  autocomplete(user: EmulatedUser, input: { name: string; options: unknown[]; channelId?: string }): Promise<EmulatedInteraction>;
  click(user: EmulatedUser, messageId: string, customId: string): Promise<EmulatedInteraction>;
  submitModal(
    user: EmulatedUser,
    input: { customId: string; fields: Record<string, string>; messageId?: string; channelId?: string },
  ): Promise<EmulatedInteraction>;
  /** Everything the bot did that Discord would refuse or punish. Tests assert it is empty. */
  violations: string[];
  requests: RequestRecord[];
  /** 429s from exceeding a bucket (a well-behaved client never sees one). */
  readonly rateLimited: number;
  /** 429s handed out by injectRateLimits. */
  readonly injectedRateLimited: number;
  /** The next `count` matching requests get a 429 (Retry-After: retryAfterMs, default 1000 ms). Paths are below /api/v10. */
  injectRateLimits(count: number, match?: (method: string, path: string) => boolean, retryAfterMs?: number): void;
  /** Until called again with null, matching REST requests get 503 (Discord unreachable from the bot's view). */
  setOutage(match: ((method: string, path: string) => boolean) | null): void;
  /** op 7, op 9 (d:false), or close the socket with 4000. discord.js resumes (7, drop) or identifies again (9). */
  reconnectGateway(mode: ReconnectMode): void;
  /** Gateway handshakes so far, e.g. to wait until a reconnect has completed. */
  readonly gateway: { readonly identifies: number; readonly resumes: number };
  /** The commands the last bulk overwrite left in a guild, or the global ones when guildId is omitted. */
  registeredCommands(guildId?: string): unknown[];
  waitFor<T>(fn: () => T | undefined | false | null, timeoutMs?: number): Promise<T>;
  close(): Promise<void>;
}

/**
 * Starts a loopback Discord (REST v10 + gateway v10) on a random port. The real, unmodified discord.js logs into it;
 * everything it sends is checked against Discord's published schemas and limits, and every mismatch lands in
 * `violations`. Each call builds its own state: emulators never share anything.
 */
export async function startDiscordEmulator(opts: DiscordEmulatorOptions = {}): Promise<DiscordEmulator> {
  const ackTimeoutMs = opts.ackTimeoutMs ?? 3_000;
  const tokenLifetimeMs = opts.tokenLifetimeMs ?? 15 * 60_000;
  const clock = () => Date.now();
  const ids = createSnowflakes(clock);
  const violations: string[] = [];
  const violation = (message: string) => {
    violations.push(message);
  };
  const requests: RequestRecord[] = [];

  const applicationId = ids();
  // A bot user's id is its application's id on Discord.
  const botUserId = applicationId;
  const botToken = makeBotToken(botUserId);
  const guild = createGuildStore({ ids, clock, botUserId, botUsername: 'Backstop' });
  const channelId = guild.addChannel('deploys');
  const otherChannelId = guild.addChannel('general');
  const channels = createChannelStore({ ids, clock });
  const commands = createCommandStore({ ids, applicationId });
  const interactions = createInteractionStore({ ids, clock, ackTimeoutMs, tokenLifetimeMs, violation, channels });
  const limiter = createRateLimiter(clock);

  let port = 0;
  const wsUrl = () => `ws://127.0.0.1:${port}`;
  const gateway = createGateway({ botToken, botUserId, applicationId, guild, wsUrl, violation });
  const routes = [
    ...basicRoutes({ applicationId, botUserId, guild, wsUrl }),
    ...commandRoutes({ applicationId, guildId: guild.guildId, commands }),
    ...messageRoutes({ botUserId, guild, channels, clock }),
    ...interactionRoutes({ applicationId, botUserId, guild, channels, interactions, ackTimeoutMs, clock }),
  ];
  let outage: ((method: string, path: string) => boolean) | null = null;
  const http = createHttpServer({
    outage: (method, path) => outage?.(method, path) ?? false,
    routes,
    botToken,
    limiter,
    ids,
    clock,
    violation,
    requests,
    onUpgrade: (request, socket, head) => gateway.handleUpgrade(request, socket, head),
  });
  port = await http.listen();

  const actions = createUserActions({
    applicationId,
    defaultChannelId: channelId,
    guild,
    channels,
    commands,
    interactions,
    gateway,
    violation,
  });

  return {
    apiUrl: `http://127.0.0.1:${port}/api`,
    gatewayUrl: wsUrl(),
    botToken,
    applicationId,
    botUserId,
    guildId: guild.guildId,
    channelId,
    otherChannelId,
    createRole(name, permissions) {
      const id = guild.createRole(name, permissions);
      // A connected bot learns about new roles the way it would on Discord.
      gateway.dispatch('GUILD_ROLE_CREATE', { guild_id: guild.guildId, role: guild.apiRole(id) }, Intents.Guilds);
      return id;
    },
    addUser: (input) => guild.addUser(input),
    messages: (id = channelId) => channels.inChannel(id).map(viewMessage),
    onMessage: (listener) => channels.onChange((m) => listener(viewMessage(m), { deleted: m.deleted })),
    slash: (user, input) => actions.slash(user, input),
    autocomplete: (user, input) => actions.autocomplete(user, input),
    click: (user, messageId, customId) => actions.click(user, messageId, customId),
    submitModal: (user, input) => actions.submitModal(user, input),
    violations,
    requests,
    get rateLimited() {
      return limiter.counts.rateLimited;
    },
    get injectedRateLimited() {
      return limiter.counts.injected;
    },
    injectRateLimits: (count, match, retryAfterMs) => limiter.inject(count, match, retryAfterMs),
    setOutage: (match) => void (outage = match),
    reconnectGateway: (mode) => gateway.reconnect(mode),
    gateway: gateway.stats,
    registeredCommands: (guildId) => commands.list(guildId),
    waitFor: (fn, timeoutMs = 5_000) =>
      pollUntil(fn, timeoutMs, () => `waitFor: condition not met within ${timeoutMs} ms${violations.length ? `; violations so far: ${violations.join(' | ')}` : ''}`),
    async close() {
      interactions.close();
      await gateway.close();
      await http.close();
    },
  };
}

// The schema check every request passes, for tests that judge a payload without sending it.
export { checkMessageLimits, checkSchema } from './validate.ts';

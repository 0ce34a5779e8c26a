import { REST } from '@discordjs/rest';
import { Routes, type APIMessage } from 'discord.js';
import type { MessageBody } from '../notify/discord/cards/rollback-card.ts';

/** What the worker and gateway need from Discord's REST API to post cards: no gateway connection involved. */
export interface DiscordChannelApi {
  /** `nonce` with enforce_nonce makes Discord return the existing message when the same post is retried. */
  post(channelId: string, body: MessageBody & { nonce: string }): Promise<{ id: string }>;
  edit(channelId: string, messageId: string, body: Partial<MessageBody>): Promise<void>;
}

/** Discord's base URL is configurable (DISCORD_API_URL) for REST proxies and the test emulator. */
export function createDiscordRest(token: string, apiUrl?: string): REST {
  // @discordjs/rest follows the X-RateLimit-* buckets and retries 429s and 5xx itself.
  return new REST({ version: '10', retries: 3, timeout: 15_000, ...(apiUrl ? { api: apiUrl } : {}) }).setToken(token);
}

/** The bot's application id, as Discord reports it for the token. */
export async function fetchApplicationId(rest: REST): Promise<string> {
  return ((await rest.get(Routes.currentApplication())) as { id: string }).id;
}

export function createChannelApi(rest: REST): DiscordChannelApi {
  return {
    async post(channelId, body) {
      const message = (await rest.post(Routes.channelMessages(channelId), { body: { ...body, enforce_nonce: true } })) as APIMessage;
      return { id: message.id };
    },
    async edit(channelId, messageId, body) {
      await rest.patch(Routes.channelMessage(channelId, messageId), { body });
    },
  };
}

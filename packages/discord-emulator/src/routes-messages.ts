import { type ChannelStore, isEmptyMessage, isEphemeral, type MessageBody, renderMessage, type StoredMessage } from './channel-store.ts';
import type { GuildStore } from './guild-store.ts';
import { CHANNEL_MESSAGES, GENEROUS } from './rate-limit.ts';
import { discordError, invalidForm, noContent, ok, type Route, type RouteRequest, type RouteResult } from './router.ts';
import { checkMessageLimits, checkSchema } from './validate.ts';

/** Discord remembers an enforced nonce for "a few minutes". */
const NONCE_WINDOW_MS = 5 * 60_000;

/** What the message would hold after an edit, for the empty-message check. */
export function afterEdit(message: StoredMessage, body: MessageBody, files: unknown[]) {
  const keep = 'attachments' in body ? new Set((body.attachments ?? []).map((a) => String(a.id))) : undefined;
  return {
    content: 'content' in body ? (body.content ?? '') : message.content,
    embeds: 'embeds' in body ? (body.embeds ?? []) : message.embeds,
    components: 'components' in body ? (body.components ?? []) : message.components,
    attachments: [...(keep ? message.attachments.filter((a) => keep.has(a.id)) : message.attachments), ...files],
  };
}

export function emptyMessage(request: RouteRequest): RouteResult {
  request.violation('a message with no content, embeds, components or files');
  return discordError(400, 50006, 'Cannot send an empty message');
}

/** Channel messages the bot posts itself: create (with enforce_nonce dedupe), edit, fetch, list, delete. */
export function messageRoutes(deps: { botUserId: string; guild: GuildStore; channels: ChannelStore; clock: () => number }): Route[] {
  const { channels, guild } = deps;
  const byChannel = (p: Record<string, string>) => p.channelId ?? '';
  const render = (m: StoredMessage) => renderMessage(m, (id) => guild.apiUser(id));

  /** The message as the channel endpoint sees it: ephemeral interaction replies do not exist here. */
  const channelMessage = (request: RouteRequest): StoredMessage | undefined => {
    const message = channels.get(request.params.messageId!);
    if (!message || message.channelId !== request.params.channelId || isEphemeral(message)) return undefined;
    return message;
  };

  const create = (request: RouteRequest): RouteResult => {
    const channelId = request.params.channelId!;
    if (!guild.hasChannel(channelId)) {
      request.violation(`unknown channel ${channelId}`);
      return discordError(404, 10003, 'Unknown Channel');
    }
    const body = (request.body ?? {}) as Record<string, any>;
    const issues = [...checkSchema('MessageCreateRequestSchema', body), ...checkMessageLimits(body)];
    if (issues.length > 0) return invalidForm(request, issues);
    if (isEmptyMessage({ content: body.content ?? '', embeds: body.embeds ?? [], components: body.components ?? [], attachments: request.files })) {
      return emptyMessage(request);
    }
    if (body.enforce_nonce && body.nonce != null) {
      const existing = channels.findByNonce(channelId, deps.botUserId, body.nonce, deps.clock() - NONCE_WINDOW_MS);
      if (existing) return ok(render(existing));
    }
    const message = channels.create({ channelId, authorId: deps.botUserId, body, files: request.files });
    return ok(render(message));
  };

  const edit = (request: RouteRequest): RouteResult => {
    const message = channelMessage(request);
    if (!message) {
      const hidden = channels.get(request.params.messageId!);
      request.violation(
        hidden && isEphemeral(hidden)
          ? `edit of ephemeral message ${hidden.id} through the channel endpoint (use the interaction webhook)`
          : `edit of unknown message ${request.params.messageId}`,
      );
      return discordError(404, 10008, 'Unknown Message');
    }
    if (message.authorId !== deps.botUserId) {
      request.violation(`edit of message ${message.id}, which another user wrote`);
      return discordError(403, 50005, 'Cannot edit a message authored by another user');
    }
    const body = (request.body ?? {}) as MessageBody & Record<string, any>;
    const issues = [...checkSchema('MessageEditRequestPartialSchema', body), ...checkMessageLimits(body, message.flags)];
    if (issues.length > 0) return invalidForm(request, issues);
    if (isEmptyMessage(afterEdit(message, body, request.files))) return emptyMessage(request);
    return ok(render(channels.edit(message, body, request.files)));
  };

  return [
    { method: 'POST', template: '/channels/:channelId/messages', auth: 'bot', bucket: CHANNEL_MESSAGES, major: byChannel, handle: create },
    { method: 'PATCH', template: '/channels/:channelId/messages/:messageId', auth: 'bot', bucket: CHANNEL_MESSAGES, major: byChannel, handle: edit },
    {
      method: 'GET',
      template: '/channels/:channelId/messages/:messageId',
      auth: 'bot',
      bucket: GENEROUS,
      major: byChannel,
      // Not a violation: looking up a message that may be gone is a normal thing for a bot to do.
      handle: (request) => {
        const message = channelMessage(request);
        return message ? ok(render(message)) : discordError(404, 10008, 'Unknown Message');
      },
    },
    {
      method: 'DELETE',
      template: '/channels/:channelId/messages/:messageId',
      auth: 'bot',
      bucket: GENEROUS,
      major: byChannel,
      handle: (request) => {
        const message = channelMessage(request);
        if (!message) return discordError(404, 10008, 'Unknown Message');
        channels.remove(message);
        return noContent();
      },
    },
    {
      method: 'GET',
      template: '/channels/:channelId/messages',
      auth: 'bot',
      bucket: GENEROUS,
      major: byChannel,
      handle: ({ params, query }) => {
        if (!guild.hasChannel(params.channelId!)) return discordError(404, 10003, 'Unknown Channel');
        const limit = Math.min(100, Math.max(1, Number(query.get('limit') ?? 50) || 50));
        const before = query.get('before');
        const after = query.get('after');
        // Newest first, as Discord lists them; ids are equal-length snowflakes, so BigInt compares them.
        let list = channels.inChannel(params.channelId!).filter((m) => !isEphemeral(m)).reverse();
        if (before) list = list.filter((m) => BigInt(m.id) < BigInt(before));
        if (after) list = list.filter((m) => BigInt(m.id) > BigInt(after)).reverse().slice(0, limit).reverse();
        return ok(list.slice(0, limit).map(render));
      },
    },
  ];
}

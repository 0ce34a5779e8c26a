import { type ChannelStore, isEmptyMessage, MessageFlags, type MessageBody, renderMessage, type StoredMessage } from './channel-store.ts';
import type { GuildStore } from './guild-store.ts';
import { INTERACTION_TYPE, type InteractionRecord, type InteractionStore } from './interactions.ts';
import { GENEROUS } from './rate-limit.ts';
import { discordError, invalidForm, noContent, ok, type Route, type RouteRequest, type RouteResult } from './router.ts';
import { afterEdit, emptyMessage } from './routes-messages.ts';
import { checkMessageLimits, checkSchema, type SchemaName } from './validate.ts';

/** Callback type → the spec schema for its body. */
const CALLBACK_SCHEMA: Record<number, SchemaName> = {
  4: 'CreateMessageInteractionCallbackRequestSchema',
  5: 'CreateMessageInteractionCallbackRequestSchema',
  6: 'UpdateMessageInteractionCallbackRequestSchema',
  7: 'UpdateMessageInteractionCallbackRequestSchema',
  8: 'ApplicationCommandAutocompleteCallbackRequestSchema',
  9: 'ModalInteractionCallbackRequestSchema',
};

/** Message types Discord gives interaction responses. */
const CHAT_INPUT_COMMAND = 20;

interface Deps {
  applicationId: string;
  botUserId: string;
  guild: GuildStore;
  channels: ChannelStore;
  interactions: InteractionStore;
  ackTimeoutMs: number;
  clock: () => number;
}

/** The interaction callback and the interaction webhook (@original, edits, follow-ups). */
export function interactionRoutes(deps: Deps): Route[] {
  const { channels, interactions } = deps;
  const render = (m: StoredMessage) => renderMessage(m, (id) => deps.guild.apiUser(id));

  function metadata(record: InteractionRecord, extra: Record<string, unknown> = {}) {
    return {
      id: record.id,
      type: INTERACTION_TYPE[record.kind],
      user: deps.guild.apiUser(record.userId),
      authorizing_integration_owners: { '0': deps.guild.guildId },
      ...(record.commandName ? { name: record.commandName, command_type: 1 } : {}),
      ...(record.sourceMessageId ? { interacted_message_id: record.sourceMessageId } : {}),
      ...extra,
    };
  }

  function newResponseMessage(record: InteractionRecord, body: MessageBody, systemFlags: number, files: RouteRequest['files'], extra: Record<string, unknown> = {}) {
    return channels.create({
      channelId: record.channelId,
      authorId: deps.botUserId,
      body,
      type: record.kind === 'command' ? CHAT_INPUT_COMMAND : 0,
      systemFlags,
      allowEphemeral: true,
      webhookId: deps.applicationId,
      applicationId: deps.applicationId,
      interactionMetadata: metadata(record, extra),
      files,
    });
  }

  /** Which callback types make sense for which interaction; Discord rejects the rest. */
  function callbackAllowed(record: InteractionRecord, type: number): boolean {
    if (record.kind === 'autocomplete') return type === 8;
    if (type === 8) return false;
    if (type === 6 || type === 7) return record.sourceMessageId !== undefined;
    if (type === 9) return record.kind !== 'modal';
    return type === 4 || type === 5;
  }

  const callback = (request: RouteRequest): RouteResult => {
    const record = interactions.get(request.params.interactionId!);
    if (!record || record.token !== request.params.token) {
      request.violation(`callback for unknown interaction ${request.params.interactionId}`);
      return discordError(404, 10062, 'Unknown interaction');
    }
    const body = (request.body ?? {}) as { type?: unknown; data?: any };
    const type = typeof body.type === 'number' ? body.type : -1;
    const schema = CALLBACK_SCHEMA[type];
    if (!schema || !callbackAllowed(record, type)) {
      return invalidForm(request, [{ path: ['type'], code: 'INTERACTION_RESPONSE_TYPE_INVALID', message: `Callback type ${String(body.type)} is not valid for ${record.label}.` }], `callback for ${record.label}`);
    }
    const source = record.sourceMessageId ? channels.get(record.sourceMessageId) : undefined;
    const issues = checkSchema(schema, body);
    if ((type === 4 || type === 7) && body.data) issues.push(...checkMessageLimits(body.data, type === 7 ? (source?.flags ?? 0) : 0).map((i) => ({ ...i, path: ['data', ...i.path] })));
    if (issues.length > 0) return invalidForm(request, issues, `callback for ${record.label}`);

    if (record.callbacks.length > 0) {
      request.violation(`second initial response (type ${type}) to ${record.label}; it was already answered with type ${record.callbacks[0]!.type}`);
      return discordError(400, 40060, 'Interaction has already been acknowledged.');
    }
    const elapsed = deps.clock() - record.createdAt;
    if (elapsed > deps.ackTimeoutMs) {
      request.violation(`${record.label} acknowledged after ${elapsed} ms (limit ${deps.ackTimeoutMs} ms)`);
      return discordError(404, 10062, 'Unknown interaction');
    }

    const data: MessageBody = body.data ?? {};
    if (type === 4 && isEmptyMessage({ content: data.content ?? '', embeds: data.embeds ?? [], components: data.components ?? [], attachments: request.files })) {
      return emptyMessage(request);
    }
    if (type === 7) {
      if (!source) {
        request.violation(`update of ${record.label}'s message, which no longer exists`);
        return discordError(404, 10008, 'Unknown Message');
      }
      if (isEmptyMessage(afterEdit(source, data, request.files))) return emptyMessage(request);
    }

    record.callbacks.push({ type, ...(body.data !== undefined ? { data: body.data } : {}) });
    record.ackMs = elapsed;

    let message: StoredMessage | undefined;
    if (type === 4) {
      message = newResponseMessage(record, data, 0, request.files);
    } else if (type === 5) {
      // The "Bot is thinking…" placeholder; flags 64 on the deferral decide whether the eventual reply is ephemeral.
      message = newResponseMessage(record, {}, MessageFlags.LOADING | ((data.flags ?? 0) & MessageFlags.EPHEMERAL), []);
    } else if (type === 7) {
      message = channels.edit(source!, data, request.files);
    } else if (type === 6) {
      message = source;
    }
    if (message) record.originalId = message.id;

    if (request.query.get('with_response') !== 'true') return noContent();
    return ok({
      interaction: {
        id: record.id,
        type: INTERACTION_TYPE[record.kind],
        ...(message
          ? {
              response_message_id: message.id,
              response_message_loading: (message.flags & MessageFlags.LOADING) !== 0,
              response_message_ephemeral: (message.flags & MessageFlags.EPHEMERAL) !== 0,
            }
          : {}),
      },
      // Discord includes the message only for CHANNEL_MESSAGE_WITH_SOURCE (4) and UPDATE_MESSAGE (7).
      resource: { type, ...(message && (type === 4 || type === 7) ? { message: render(message) } : {}) },
    });
  };

  /** Resolves the interaction behind a webhook path, recording why it cannot be used. */
  function webhookRecord(request: RouteRequest): { record: InteractionRecord } | { error: RouteResult } {
    if (request.params.appId !== deps.applicationId) {
      request.violation(`webhook for application ${request.params.appId}, not this bot's (${deps.applicationId})`);
      return { error: discordError(404, 10015, 'Unknown Webhook') };
    }
    const check = interactions.checkToken(request.params.token!);
    if (!check.ok) {
      request.violation(check.reason === 'expired' ? 'interaction token used after it expired' : 'unknown interaction token');
      return { error: discordError(401, 50027, 'Invalid Webhook Token') };
    }
    if (check.record.kind === 'autocomplete') {
      request.violation(`webhook call for ${check.record.label}; autocomplete interactions have no messages`);
      return { error: discordError(404, 10015, 'Unknown Webhook') };
    }
    if (check.record.callbacks.length === 0) {
      // The interaction's webhook exists only once the interaction has been answered.
      request.violation(`webhook call for ${check.record.label} before its initial response`);
      return { error: discordError(404, 10015, 'Unknown Webhook') };
    }
    return { record: check.record };
  }

  /** @original or one of the interaction's follow-ups. */
  function webhookMessage(request: RouteRequest, record: InteractionRecord): StoredMessage | undefined {
    const id = request.params.messageId === '@original' ? record.originalId : request.params.messageId;
    if (!id || (id !== record.originalId && !record.followUpIds.includes(id))) return undefined;
    return channels.get(id);
  }

  const withMessage = (fn: (request: RouteRequest, record: InteractionRecord, message: StoredMessage) => RouteResult) => (request: RouteRequest): RouteResult => {
    const found = webhookRecord(request);
    if ('error' in found) return found.error;
    const message = webhookMessage(request, found.record);
    if (!message) {
      request.violation(`${request.params.messageId} is not a message of ${found.record.label}`);
      return discordError(404, 10008, 'Unknown Message');
    }
    return fn(request, found.record, message);
  };

  const editMessage = withMessage((request, _record, message) => {
    const body = (request.body ?? {}) as MessageBody & Record<string, any>;
    const issues = [...checkSchema('IncomingWebhookUpdateRequestPartialSchema', body), ...checkMessageLimits(body, message.flags)];
    if (issues.length > 0) return invalidForm(request, issues);
    if (isEmptyMessage(afterEdit(message, body, request.files))) return emptyMessage(request);
    return ok(render(channels.edit(message, body, request.files)));
  });

  const followUp = (request: RouteRequest): RouteResult => {
    const found = webhookRecord(request);
    if ('error' in found) return found.error;
    const { record } = found;
    const body = (request.body ?? {}) as MessageBody & Record<string, any>;
    const issues = [...checkSchema('IncomingWebhookInteractionRequestSchema', body), ...checkMessageLimits(body)];
    if (issues.length > 0) return invalidForm(request, issues);
    if (isEmptyMessage({ content: body.content ?? '', embeds: body.embeds ?? [], components: body.components ?? [], attachments: request.files })) {
      return emptyMessage(request);
    }
    const original = record.originalId ? channels.get(record.originalId) : undefined;
    let message: StoredMessage;
    if (original && original.flags & MessageFlags.LOADING) {
      // Documented (and deprecated) Discord behaviour: a follow-up straight after a type 5 deferral edits the
      // "thinking…" message instead of posting, and the deferral's ephemeral choice wins over the follow-up's flags.
      const wanted = ((body.flags ?? 0) & MessageFlags.EPHEMERAL) !== 0;
      const actual = (original.flags & MessageFlags.EPHEMERAL) !== 0;
      if (wanted !== actual) {
        request.violation(`follow-up for ${record.label} asked for ephemeral=${wanted}, but it fills the deferred reply, which is ephemeral=${actual}`);
      }
      const { flags: _ignored, ...rest } = body;
      message = channels.edit(original, rest, request.files);
    } else {
      message = newResponseMessage(record, body, 0, request.files, record.originalId ? { original_response_message_id: record.originalId } : {});
      record.followUpIds.push(message.id);
    }
    // For interaction follow-ups `wait` is always true: Discord returns the message either way.
    return ok(render(message));
  };

  const byWebhook = (p: Record<string, string>) => `${p.appId}:${p.token}`;
  const base = { auth: 'none' as const, bucket: GENEROUS, major: byWebhook };
  return [
    {
      method: 'POST',
      template: '/interactions/:interactionId/:token/callback',
      auth: 'none',
      bucket: GENEROUS,
      major: (p) => p.interactionId ?? '',
      handle: callback,
    },
    { ...base, method: 'POST', template: '/webhooks/:appId/:token', handle: followUp },
    { ...base, method: 'GET', template: '/webhooks/:appId/:token/messages/:messageId', handle: withMessage((_r, _rec, m) => ok(render(m))) },
    { ...base, method: 'PATCH', template: '/webhooks/:appId/:token/messages/:messageId', handle: editMessage },
    {
      ...base,
      method: 'DELETE',
      template: '/webhooks/:appId/:token/messages/:messageId',
      handle: withMessage((_r, _rec, m) => {
        channels.remove(m);
        return noContent();
      }),
    },
  ];
}

import { assignComponentIds } from './components.ts';
import type { Clock, IdSource } from './snowflake.ts';
import type { EmulatedMessage } from './types.ts';

export const MessageFlags = {
  SUPPRESS_EMBEDS: 1 << 2,
  EPHEMERAL: 1 << 6,
  LOADING: 1 << 7,
  SUPPRESS_NOTIFICATIONS: 1 << 12,
  IS_COMPONENTS_V2: 1 << 15,
} as const;

/** Flags a sender may set on a new message; everything else is Discord's to set. */
const SETTABLE_ON_CREATE = MessageFlags.SUPPRESS_EMBEDS | MessageFlags.SUPPRESS_NOTIFICATIONS | MessageFlags.IS_COMPONENTS_V2;

export interface StoredAttachment {
  id: string;
  filename: string;
  size: number;
  content_type?: string;
}

export interface StoredMessage {
  id: string;
  channelId: string;
  authorId: string;
  type: number;
  content: string;
  embeds: any[];
  components: any[];
  flags: number;
  allowedMentions: unknown;
  nonce: string | number | null;
  tts: boolean;
  attachments: StoredAttachment[];
  webhookId: string | null;
  applicationId: string | null;
  interactionMetadata: Record<string, unknown> | null;
  createdAt: number;
  editedAt: number | null;
  edits: number;
  deleted: boolean;
}

/** The message fields a create/edit body may carry (already validated against the spec). */
export interface MessageBody {
  content?: string | null;
  embeds?: any[] | null;
  components?: any[] | null;
  flags?: number | null;
  allowed_mentions?: unknown;
  nonce?: string | number | null;
  tts?: boolean | null;
  attachments?: Array<{ id: string | number }> | null;
}

export interface NewMessage {
  channelId: string;
  authorId: string;
  body: MessageBody;
  type?: number;
  /** Flags Discord itself sets (ephemeral for interaction replies, loading for deferrals). */
  systemFlags?: number;
  /** Whether the sender may set the ephemeral flag (interaction responses and follow-ups only). */
  allowEphemeral?: boolean;
  webhookId?: string | null;
  applicationId?: string | null;
  interactionMetadata?: Record<string, unknown> | null;
  files?: StoredAttachment[];
}

export type ChannelStore = ReturnType<typeof createChannelStore>;

/** Every message the bot (or a webhook acting for it) has posted, per channel, with edits applied in place. */
export function createChannelStore(deps: { ids: IdSource; clock: Clock }) {
  const { ids, clock } = deps;
  const byId = new Map<string, StoredMessage>();
  const order = new Map<string, string[]>();
  // Whoever watches the channel live (the sandbox page) hears about every post, edit and delete.
  const listeners = new Set<(message: StoredMessage) => void>();
  const changed = (message: StoredMessage) => {
    for (const listener of listeners) listener(message);
  };

  function create(input: NewMessage): StoredMessage {
    const body = input.body;
    const settable = SETTABLE_ON_CREATE | (input.allowEphemeral ? MessageFlags.EPHEMERAL : 0);
    const message: StoredMessage = {
      id: ids(),
      channelId: input.channelId,
      authorId: input.authorId,
      type: input.type ?? 0,
      content: body.content ?? '',
      embeds: normalizeEmbeds(body.embeds),
      components: assignComponentIds(body.components ?? []),
      flags: ((body.flags ?? 0) & settable) | (input.systemFlags ?? 0),
      allowedMentions: body.allowed_mentions ?? null,
      nonce: body.nonce ?? null,
      tts: Boolean(body.tts),
      attachments: input.files ?? [],
      webhookId: input.webhookId ?? null,
      applicationId: input.applicationId ?? null,
      interactionMetadata: input.interactionMetadata ?? null,
      createdAt: clock(),
      editedAt: null,
      edits: 0,
      deleted: false,
    };
    byId.set(message.id, message);
    const list = order.get(message.channelId) ?? [];
    list.push(message.id);
    order.set(message.channelId, list);
    changed(message);
    return message;
  }

  /** Applies an edit body the way Discord does: only the fields present change. */
  function edit(message: StoredMessage, body: MessageBody, files: StoredAttachment[] = []): StoredMessage {
    if ('content' in body) message.content = body.content ?? '';
    if ('embeds' in body) message.embeds = normalizeEmbeds(body.embeds);
    if ('components' in body) message.components = assignComponentIds(body.components ?? []);
    if ('allowed_mentions' in body) message.allowedMentions = body.allowed_mentions ?? null;
    if ('flags' in body && body.flags != null) {
      // Only suppress-embeds can be toggled; ephemeral and components-v2 stay as they were.
      message.flags = (message.flags & ~MessageFlags.SUPPRESS_EMBEDS) | (body.flags & MessageFlags.SUPPRESS_EMBEDS);
      message.flags |= body.flags & MessageFlags.IS_COMPONENTS_V2;
    }
    if ('attachments' in body) {
      const keep = new Set((body.attachments ?? []).map((a) => String(a.id)));
      message.attachments = message.attachments.filter((a) => keep.has(a.id));
    }
    message.attachments.push(...files);
    if (message.flags & MessageFlags.LOADING) {
      // Filling in a deferred "thinking…" message is its first content, not an edit anyone sees as "(edited)".
      message.flags &= ~MessageFlags.LOADING;
    } else {
      message.edits += 1;
      message.editedAt = clock();
    }
    changed(message);
    return message;
  }

  function get(id: string): StoredMessage | undefined {
    const message = byId.get(id);
    return message && !message.deleted ? message : undefined;
  }

  function inChannel(channelId: string): StoredMessage[] {
    return (order.get(channelId) ?? []).map((id) => byId.get(id)!).filter((m) => !m.deleted);
  }

  /** A message this author posted in the channel with the same nonce since `since` (enforce_nonce dedupe). */
  function findByNonce(channelId: string, authorId: string, nonce: string | number, since: number) {
    return inChannel(channelId).find(
      (m) => m.authorId === authorId && m.nonce !== null && String(m.nonce) === String(nonce) && m.createdAt >= since,
    );
  }

  return {
    create,
    edit,
    get,
    remove: (message: StoredMessage) => {
      message.deleted = true;
      changed(message);
    },
    /** Calls listener after every create, edit and delete; returns the unsubscribe. */
    onChange(listener: (message: StoredMessage) => void): () => void {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    inChannel,
    findByNonce,
  };
}

export function isEphemeral(message: StoredMessage): boolean {
  return (message.flags & MessageFlags.EPHEMERAL) !== 0;
}

/** Discord refuses a message with nothing in it (50006). Counts what the message would hold after the request. */
export function isEmptyMessage(m: { content: string; embeds: unknown[]; components: unknown[]; attachments: unknown[] }) {
  return m.content === '' && m.embeds.length === 0 && m.components.length === 0 && m.attachments.length === 0;
}

/** The message as the REST API and gateway render it. */
export function renderMessage(message: StoredMessage, renderUser: (id: string) => unknown): Record<string, unknown> {
  return {
    id: message.id,
    type: message.type,
    channel_id: message.channelId,
    author: renderUser(message.authorId),
    content: message.content,
    timestamp: new Date(message.createdAt).toISOString(),
    edited_timestamp: message.editedAt === null ? null : new Date(message.editedAt).toISOString(),
    tts: message.tts,
    mention_everyone: false,
    mentions: [],
    mention_roles: [],
    attachments: message.attachments.map((a) => ({
      ...a,
      url: `https://cdn.discordapp.com/attachments/${message.channelId}/${a.id}/${a.filename}`,
      proxy_url: `https://media.discordapp.net/attachments/${message.channelId}/${a.id}/${a.filename}`,
    })),
    embeds: structuredClone(message.embeds),
    pinned: false,
    flags: message.flags,
    components: structuredClone(message.components),
    ...(message.nonce !== null ? { nonce: message.nonce } : {}),
    ...(message.webhookId ? { webhook_id: message.webhookId } : {}),
    ...(message.applicationId ? { application_id: message.applicationId } : {}),
    ...(message.interactionMetadata ? { interaction_metadata: structuredClone(message.interactionMetadata) } : {}),
  };
}

/** The test-facing view of a message. */
export function viewMessage(message: StoredMessage): EmulatedMessage {
  return {
    id: message.id,
    channel_id: message.channelId,
    author_id: message.authorId,
    content: message.content,
    embeds: structuredClone(message.embeds),
    components: structuredClone(message.components),
    flags: message.flags,
    allowed_mentions: structuredClone(message.allowedMentions),
    nonce: message.nonce,
    attachments: structuredClone(message.attachments),
    edits: message.edits,
    created_at: new Date(message.createdAt).toISOString(),
    interaction: message.interactionMetadata
      ? { user_id: String((message.interactionMetadata.user as { id?: string } | undefined)?.id ?? ''), name: (message.interactionMetadata.name as string | undefined) ?? null }
      : null,
  };
}

function normalizeEmbeds(embeds: any[] | null | undefined): any[] {
  // Discord stores every embed a bot sends as a "rich" embed.
  return (embeds ?? []).map((embed) => ({ type: 'rich', ...structuredClone(embed) }));
}

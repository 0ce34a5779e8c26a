import { type ChannelStore, viewMessage } from './channel-store.ts';
import { pollUntil } from './poll.ts';
import { type Clock, type IdSource, makeInteractionToken } from './snowflake.ts';
import type { EmulatedInteraction, ViolationSink } from './types.ts';

export type InteractionKind = 'command' | 'autocomplete' | 'component' | 'modal';

/** Discord's interaction types, by what the user did. */
export const INTERACTION_TYPE: Record<InteractionKind, number> = { command: 2, component: 3, autocomplete: 4, modal: 5 };

export interface InteractionRecord {
  id: string;
  token: string;
  kind: InteractionKind;
  /** For messages: "/rollback", "button bs:approve:1", … */
  label: string;
  userId: string;
  channelId: string;
  createdAt: number;
  /** The message a component (or a modal opened from a component) belongs to. */
  sourceMessageId?: string;
  /** The command's name (interaction_metadata wants it). */
  commandName?: string;
  callbacks: Array<{ type: number; data?: any }>;
  ackMs?: number;
  /** @original: the reply, or for type 6/7 the component's message. */
  originalId?: string;
  followUpIds: string[];
  timer?: NodeJS.Timeout;
}

export type TokenCheck = { ok: true; record: InteractionRecord } | { ok: false; reason: 'unknown' | 'expired' };

export type InteractionStore = ReturnType<typeof createInteractionStore>;

/**
 * Interactions the emulator dispatched, with the two clocks Discord runs on them: the initial response must come
 * within ackTimeoutMs, and the token works for webhook calls for tokenLifetimeMs.
 */
export function createInteractionStore(deps: {
  ids: IdSource;
  clock: Clock;
  ackTimeoutMs: number;
  tokenLifetimeMs: number;
  violation: ViolationSink;
  channels: ChannelStore;
}) {
  const byId = new Map<string, InteractionRecord>();
  const byToken = new Map<string, InteractionRecord>();

  function create(input: Omit<InteractionRecord, 'id' | 'token' | 'createdAt' | 'callbacks' | 'followUpIds'>): InteractionRecord {
    const record: InteractionRecord = {
      ...input,
      id: deps.ids(),
      token: makeInteractionToken(),
      createdAt: deps.clock(),
      callbacks: [],
      followUpIds: [],
    };
    // Discord shows "This interaction failed" when nothing answers in time; that is a bug even if the bot never
    // answers at all, so the deadline is checked by a timer, not only when a late callback arrives.
    record.timer = setTimeout(() => {
      if (record.callbacks.length === 0) {
        deps.violation(`interaction ${record.label} (${record.id}) was not acknowledged within ${deps.ackTimeoutMs} ms`);
      }
    }, deps.ackTimeoutMs + 5);
    record.timer.unref();
    byId.set(record.id, record);
    byToken.set(record.token, record);
    return record;
  }

  function checkToken(token: string): TokenCheck {
    const record = byToken.get(token);
    if (!record) return { ok: false, reason: 'unknown' };
    if (deps.clock() - record.createdAt > deps.tokenLifetimeMs) return { ok: false, reason: 'expired' };
    return { ok: true, record };
  }

  function view(record: InteractionRecord): EmulatedInteraction {
    const self: EmulatedInteraction = {
      id: record.id,
      token: record.token,
      get ackMs() {
        return record.ackMs;
      },
      callbacks: record.callbacks,
      original() {
        const message = record.originalId ? deps.channels.get(record.originalId) : undefined;
        return message ? viewMessage(message) : undefined;
      },
      followUps() {
        return record.followUpIds.flatMap((id) => {
          const message = deps.channels.get(id);
          return message ? [viewMessage(message)] : [];
        });
      },
      until<T>(fn: (i: EmulatedInteraction) => T | undefined | null | false, timeoutMs = 5_000) {
        return pollUntil(() => fn(self), timeoutMs, () =>
          `interaction ${record.label} (${record.id}): condition not met within ${timeoutMs} ms; callbacks ${JSON.stringify(
            record.callbacks.map((c) => c.type),
          )}, original ${JSON.stringify(self.original()?.content ?? null)}`,
        );
      },
    };
    return self;
  }

  return {
    create,
    get: (id: string) => byId.get(id),
    checkToken,
    view,
    /** Modals shown to this user, newest first: a submit must answer one of them. */
    modalsShownTo(userId: string) {
      return [...byId.values()]
        .filter((r) => r.userId === userId)
        .flatMap((r) => r.callbacks.filter((c) => c.type === 9).map((c) => ({ record: r, modal: c.data })))
        .reverse();
    },
    close() {
      for (const record of byId.values()) clearTimeout(record.timer);
    },
  };
}

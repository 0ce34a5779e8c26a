import type { IdSource } from './snowflake.ts';

export interface StoredCommand {
  id: string;
  application_id: string;
  version: string;
  type: number;
  name: string;
  description: string;
  guild_id?: string;
  options?: any[];
  [key: string]: unknown;
}

export type CommandStore = ReturnType<typeof createCommandStore>;

const GLOBAL = 'global';

/** Registered application commands per scope (global, or one guild). A PUT replaces the whole scope at once. */
export function createCommandStore(deps: { ids: IdSource; applicationId: string }) {
  const scopes = new Map<string, StoredCommand[]>();

  function overwrite(guildId: string | undefined, bodies: Array<Record<string, any>>): StoredCommand[] {
    const scope = guildId ?? GLOBAL;
    const previous = scopes.get(scope) ?? [];
    const next = bodies.map((body) => {
      const type = body.type ?? 1;
      // Discord keeps a command's id when a bulk overwrite contains a command of the same name and type.
      const kept = previous.find((c) => c.name === body.name && c.type === type);
      const command: StoredCommand = {
        default_member_permissions: null,
        nsfw: false,
        contexts: null,
        integration_types: [0],
        name_localizations: null,
        description_localizations: null,
        ...structuredClone(body),
        id: kept?.id ?? deps.ids(),
        application_id: deps.applicationId,
        version: deps.ids(),
        type,
        name: body.name,
        description: body.description ?? '',
        ...(guildId ? { guild_id: guildId } : {}),
      };
      return command;
    });
    scopes.set(scope, next);
    return structuredClone(next);
  }

  return {
    overwrite,
    list: (guildId?: string) => structuredClone(scopes.get(guildId ?? GLOBAL) ?? []),
    /** The chat-input command a user in this guild would see under this name (a guild command shadows a global one). */
    findChatInput(guildId: string, name: string): StoredCommand | undefined {
      const match = (c: StoredCommand) => c.name === name && c.type === 1;
      return (scopes.get(guildId) ?? []).find(match) ?? (scopes.get(GLOBAL) ?? []).find(match);
    },
  };
}

import type { Clock, IdSource } from './snowflake.ts';
import type { EmulatedUser } from './types.ts';

// Permission bits (https://discord.com/developers/docs/topics/permissions). Only the ones we hand out.
const P = {
  CREATE_INSTANT_INVITE: 1n << 0n,
  ADD_REACTIONS: 1n << 6n,
  VIEW_CHANNEL: 1n << 10n,
  SEND_MESSAGES: 1n << 11n,
  MANAGE_MESSAGES: 1n << 13n,
  EMBED_LINKS: 1n << 14n,
  ATTACH_FILES: 1n << 15n,
  READ_MESSAGE_HISTORY: 1n << 16n,
  USE_EXTERNAL_EMOJIS: 1n << 18n,
  CHANGE_NICKNAME: 1n << 26n,
  USE_APPLICATION_COMMANDS: 1n << 31n,
  SEND_MESSAGES_IN_THREADS: 1n << 38n,
};

/** What @everyone gets in a freshly created Discord server, roughly. */
const EVERYONE_PERMISSIONS =
  P.CREATE_INSTANT_INVITE | P.ADD_REACTIONS | P.VIEW_CHANNEL | P.SEND_MESSAGES | P.EMBED_LINKS | P.ATTACH_FILES |
  P.READ_MESSAGE_HISTORY | P.USE_EXTERNAL_EMOJIS | P.CHANGE_NICKNAME | P.USE_APPLICATION_COMMANDS |
  P.SEND_MESSAGES_IN_THREADS;

/** The bot was invited with a managed role that can also manage messages. */
const BOT_ROLE_PERMISSIONS = P.MANAGE_MESSAGES;

interface Role {
  id: string;
  name: string;
  permissions: bigint;
  position: number;
  managed: boolean;
  botId?: string;
}

interface User {
  id: string;
  username: string;
  bot: boolean;
}

interface Member {
  userId: string;
  roles: string[];
  joinedAt: string;
}

interface Channel {
  id: string;
  name: string;
  position: number;
}

export type GuildStore = ReturnType<typeof createGuildStore>;

/**
 * One guild with its roles, members and text channels, and the API objects Discord would render for them.
 * Everything lives in this closure, so two emulators never share state.
 */
export function createGuildStore(deps: { ids: IdSource; clock: Clock; botUserId: string; botUsername: string }) {
  const { ids, clock, botUserId } = deps;
  const guildId = ids();
  const createdAt = new Date(clock()).toISOString();
  const roles = new Map<string, Role>();
  const users = new Map<string, User>();
  const members = new Map<string, Member>();
  const channels = new Map<string, Channel>();

  // @everyone's id is the guild's id, as on Discord.
  roles.set(guildId, { id: guildId, name: '@everyone', permissions: EVERYONE_PERMISSIONS, position: 0, managed: false });
  const botRoleId = ids();
  roles.set(botRoleId, {
    id: botRoleId,
    name: deps.botUsername,
    permissions: BOT_ROLE_PERMISSIONS,
    position: 1,
    managed: true,
    botId: botUserId,
  });

  users.set(botUserId, { id: botUserId, username: deps.botUsername, bot: true });
  members.set(botUserId, { userId: botUserId, roles: [botRoleId], joinedAt: createdAt });

  // A guild needs an owner; it is an ordinary member nobody in the tests has to know about.
  const ownerId = ids();
  users.set(ownerId, { id: ownerId, username: 'guild-owner', bot: false });
  members.set(ownerId, { userId: ownerId, roles: [], joinedAt: createdAt });

  function addChannel(name: string): string {
    const id = ids();
    channels.set(id, { id, name, position: channels.size });
    return id;
  }

  function createRole(name: string, permissions = 0n): string {
    const id = ids();
    roles.set(id, { id, name, permissions, position: roles.size, managed: false });
    return id;
  }

  function addUser(input: { username: string; roles?: string[] }): EmulatedUser {
    for (const roleId of input.roles ?? []) {
      if (!roles.has(roleId)) throw new Error(`addUser(${input.username}): no role ${roleId} in the guild`);
    }
    const id = ids();
    users.set(id, { id, username: input.username, bot: false });
    members.set(id, { userId: id, roles: [...(input.roles ?? [])], joinedAt: new Date(clock()).toISOString() });
    return { id, username: input.username, roles: [...(input.roles ?? [])] };
  }

  function permissionsOf(userId: string): bigint {
    let bits = roles.get(guildId)!.permissions;
    for (const roleId of members.get(userId)?.roles ?? []) bits |= roles.get(roleId)?.permissions ?? 0n;
    return bits;
  }

  function apiUser(userId: string): Record<string, unknown> {
    const user = users.get(userId);
    if (!user) throw new Error(`unknown user ${userId}`);
    return {
      id: user.id,
      username: user.username,
      discriminator: '0',
      global_name: user.bot ? null : user.username,
      avatar: null,
      avatar_decoration_data: null,
      banner: null,
      accent_color: null,
      public_flags: 0,
      flags: 0,
      ...(user.bot ? { bot: true } : {}),
    };
  }

  function apiMember(userId: string): Record<string, unknown> | undefined {
    const member = members.get(userId);
    if (!member) return undefined;
    return {
      user: apiUser(userId),
      nick: null,
      avatar: null,
      banner: null,
      roles: [...member.roles],
      joined_at: member.joinedAt,
      premium_since: null,
      deaf: false,
      mute: false,
      pending: false,
      flags: 0,
      communication_disabled_until: null,
    };
  }

  function apiRole(role: Role): Record<string, unknown> {
    return {
      id: role.id,
      name: role.name,
      description: null,
      color: 0,
      colors: { primary_color: 0, secondary_color: null, tertiary_color: null },
      hoist: false,
      icon: null,
      unicode_emoji: null,
      position: role.position,
      permissions: role.permissions.toString(),
      managed: role.managed,
      mentionable: false,
      flags: 0,
      ...(role.botId ? { tags: { bot_id: role.botId } } : {}),
    };
  }

  function apiChannel(channelId: string): Record<string, unknown> | undefined {
    const channel = channels.get(channelId);
    if (!channel) return undefined;
    return {
      id: channel.id,
      type: 0,
      guild_id: guildId,
      name: channel.name,
      position: channel.position,
      permission_overwrites: [],
      topic: null,
      nsfw: false,
      last_message_id: null,
      rate_limit_per_user: 0,
      parent_id: null,
      flags: 0,
    };
  }

  /** The guild as REST GET /guilds/:id renders it. */
  function apiGuild(): Record<string, unknown> {
    return {
      id: guildId,
      name: 'Backstop Emulated Guild',
      icon: null,
      icon_hash: null,
      splash: null,
      discovery_splash: null,
      banner: null,
      description: null,
      owner_id: ownerId,
      application_id: null,
      region: 'deprecated',
      afk_channel_id: null,
      afk_timeout: 300,
      widget_enabled: false,
      widget_channel_id: null,
      verification_level: 0,
      default_message_notifications: 0,
      explicit_content_filter: 0,
      mfa_level: 0,
      nsfw_level: 0,
      premium_tier: 0,
      premium_subscription_count: 0,
      premium_progress_bar_enabled: false,
      system_channel_id: null,
      system_channel_flags: 0,
      rules_channel_id: null,
      public_updates_channel_id: null,
      safety_alerts_channel_id: null,
      max_members: 500000,
      max_presences: null,
      max_video_channel_users: 25,
      max_stage_video_channel_users: 50,
      vanity_url_code: null,
      preferred_locale: 'en-US',
      features: [],
      roles: [...roles.values()].map(apiRole),
      emojis: [],
      stickers: [],
      incidents_data: null,
    };
  }

  /** The GUILD_CREATE dispatch: the REST guild plus the gateway-only fields discord.js's Guild#_patch reads. */
  function guildCreatePayload(): Record<string, unknown> {
    return {
      ...apiGuild(),
      unavailable: false,
      joined_at: members.get(botUserId)!.joinedAt,
      large: false,
      lazy: true,
      member_count: members.size,
      // Discord always includes the bot's own member so guild.members.me works without a fetch.
      members: [apiMember(botUserId)],
      channels: [...channels.keys()].map((id) => apiChannel(id)!),
      threads: [],
      presences: [],
      voice_states: [],
      stage_instances: [],
      guild_scheduled_events: [],
      soundboard_sounds: [],
      embedded_activities: [],
      activity_instances: [],
      application_command_counts: {},
      home_header: null,
      hub_type: null,
      latest_onboarding_question_id: null,
      version: clock(),
    };
  }

  return {
    guildId,
    botRoleId,
    addChannel,
    createRole,
    addUser,
    hasChannel: (id: string) => channels.has(id),
    hasUser: (id: string) => members.has(id),
    hasRole: (id: string) => roles.has(id),
    permissionsOf,
    appPermissions: () => permissionsOf(botUserId).toString(),
    apiUser,
    apiMember,
    apiRole: (id: string) => {
      const role = roles.get(id);
      return role ? apiRole(role) : undefined;
    },
    apiRoles: () => [...roles.values()].map(apiRole),
    apiChannel,
    apiChannels: () => [...channels.keys()].map((id) => apiChannel(id)!),
    apiGuild,
    guildCreatePayload,
    memberIds: () => [...members.keys()],
    userName: (id: string) => users.get(id)?.username,
  };
}

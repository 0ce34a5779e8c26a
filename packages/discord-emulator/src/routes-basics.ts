import type { GuildStore } from './guild-store.ts';
import { GENEROUS } from './rate-limit.ts';
import { discordError, ok, type Route } from './router.ts';

/** Gateway discovery, the bot's own user and application, and read-only guild/channel lookups. */
export function basicRoutes(deps: { applicationId: string; botUserId: string; guild: GuildStore; wsUrl: () => string }): Route[] {
  const { guild } = deps;
  const byGuild = (p: Record<string, string>) => p.guildId ?? '';
  const unknownGuild = () => discordError(404, 10004, 'Unknown Guild');
  const gateway = { url: () => deps.wsUrl() };

  return [
    { method: 'GET', template: '/gateway', auth: 'none', bucket: GENEROUS, handle: () => ok({ url: gateway.url() }) },
    {
      method: 'GET',
      template: '/gateway/bot',
      auth: 'bot',
      bucket: GENEROUS,
      handle: () =>
        ok({
          url: gateway.url(),
          shards: 1,
          session_start_limit: { total: 1000, remaining: 999, reset_after: 14_400_000, max_concurrency: 1 },
        }),
    },
    {
      method: 'GET',
      template: '/users/@me',
      auth: 'bot',
      bucket: GENEROUS,
      handle: () => ok({ ...guild.apiUser(deps.botUserId), verified: true, mfa_enabled: false, email: null, locale: 'en-US' }),
    },
    {
      method: 'GET',
      template: '/applications/@me',
      auth: 'bot',
      bucket: GENEROUS,
      handle: () =>
        ok({
          id: deps.applicationId,
          name: guild.userName(deps.botUserId),
          icon: null,
          description: '',
          summary: '',
          type: null,
          bot_public: true,
          bot_require_code_grant: false,
          verify_key: '0'.repeat(64),
          flags: 0,
          team: null,
          owner: guild.apiUser(deps.botUserId),
          bot: guild.apiUser(deps.botUserId),
          approximate_guild_count: 1,
          integration_types_config: { '0': {} },
          tags: [],
        }),
    },
    {
      method: 'GET',
      template: '/channels/:channelId',
      auth: 'bot',
      bucket: GENEROUS,
      major: (p) => p.channelId ?? '',
      handle: ({ params }) => {
        const channel = guild.apiChannel(params.channelId!);
        return channel ? ok(channel) : discordError(404, 10003, 'Unknown Channel');
      },
    },
    {
      method: 'GET',
      template: '/guilds/:guildId',
      auth: 'bot',
      bucket: GENEROUS,
      major: byGuild,
      handle: ({ params, query }) => {
        if (params.guildId !== guild.guildId) return unknownGuild();
        const counts = query.get('with_counts') === 'true'
          ? { approximate_member_count: guild.memberIds().length, approximate_presence_count: 0 }
          : {};
        return ok({ ...guild.apiGuild(), ...counts });
      },
    },
    {
      method: 'GET',
      template: '/guilds/:guildId/channels',
      auth: 'bot',
      bucket: GENEROUS,
      major: byGuild,
      handle: ({ params }) => (params.guildId === guild.guildId ? ok(guild.apiChannels()) : unknownGuild()),
    },
    {
      method: 'GET',
      template: '/guilds/:guildId/roles',
      auth: 'bot',
      bucket: GENEROUS,
      major: byGuild,
      handle: ({ params }) => (params.guildId === guild.guildId ? ok(guild.apiRoles()) : unknownGuild()),
    },
    {
      method: 'GET',
      template: '/guilds/:guildId/members/:userId',
      auth: 'bot',
      bucket: GENEROUS,
      major: byGuild,
      handle: ({ params }) => {
        if (params.guildId !== guild.guildId) return unknownGuild();
        const member = guild.apiMember(params.userId!);
        return member ? ok(member) : discordError(404, 10007, 'Unknown Member');
      },
    },
  ];
}

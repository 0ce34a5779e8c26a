import type { Command } from 'commander';

// `backstop commands register`: needs only the bot token (and the policy file for the guild), not Postgres or Redis.
export function registerDiscordCommands(program: Command): void {
  program
    .command('commands')
    .description('Discord slash command definitions')
    .command('register')
    .description("bulk-overwrite the bot's slash commands in the policy file's guild (applies at once), or globally")
    .option('--global', 'register for every guild (Discord may take up to an hour to show them)')
    .option('--guild <id>', 'register in this guild instead of discord.guild_id')
    .action(async (opts: { global?: boolean; guild?: string }) => {
      const [{ parseEnv }, { loadConfig }] = await Promise.all([import('./env.ts'), import('../config/load.ts')]);
      const envResult = parseEnv(process.env);
      if (!envResult.ok) throw new Error(envResult.errors.map((e) => `${e.path}: ${e.message}`).join('; '));
      const env = envResult.env;
      if (!env.DISCORD_TOKEN) throw new Error('DISCORD_TOKEN is not set: it is the bot token from the Discord developer portal');
      let guildId = opts.guild;
      if (!opts.global && !guildId) {
        const config = await loadConfig(env.BACKSTOP_CONFIG);
        if (!config.ok) throw new Error(`${env.BACKSTOP_CONFIG}: ${config.errors.map((e) => `${e.path}: ${e.message}`).join('; ')}`);
        guildId = config.config.raw.discord?.guild_id;
        if (!guildId) throw new Error('no guild: set discord.guild_id in the policy file, or pass --guild <id> or --global');
      }
      // discord.js loads here, not when any other command runs.
      // A module of ours, not discord.js itself: in the bundle, a dynamic import of a CommonJS package has only a default.
      const [{ createDiscordRest, fetchApplicationId }, { registerCommands }] = await Promise.all([import('../discord/rest.ts'), import('../gateway/register-commands.ts')]);
      const rest = createDiscordRest(env.DISCORD_TOKEN, env.DISCORD_API_URL);
      const applicationId = env.DISCORD_APPLICATION_ID ?? (await fetchApplicationId(rest));
      const done = await registerCommands(rest, { applicationId, guildId: opts.global ? undefined : guildId });
      console.log(`registered ${done.count} commands (${done.scope})`);
    });
}

import type { SandboxHost } from '@backstop/sandbox';
import { formatIssues } from '../config/format-issues.ts';
import { parseConfig } from '../config/load.ts';
import { createDiscordRest } from '../discord/rest.ts';
import { AppError } from '../errors/app-error.ts';
import { registerCommands } from '../gateway/register-commands.ts';
import type { Logger } from '../logging/logger.ts';
import type { Env } from './env.ts';
import { runRoles } from './roles.ts';

/**
 * backstop as the sandbox drives it: the same registration, policy parser and roles as a real installation, with the
 * sandbox's Discord and tokens in place of the environment's. The sandbox package receives this and imports nothing
 * of backstop's.
 */
export function sandboxHost(env: Env, logger: Logger): SandboxHost {
  return {
    registerCommands: (discord) => registerCommands(createDiscordRest(discord.botToken, discord.apiUrl), { applicationId: discord.applicationId, guildId: discord.guildId }),
    async start({ discord, policy, tokens, mount }) {
      const parsed = parseConfig(policy);
      if (!parsed.ok) throw new Error(`the sandbox policy is invalid: ${parsed.errors.map((e) => `${e.path}: ${e.message}`).join('; ')}`);
      const running = await runRoles(
        { env: { ...env, DISCORD_TOKEN: discord.botToken, DISCORD_API_URL: discord.apiUrl, DISCORD_APPLICATION_ID: discord.applicationId, tokens }, config: parsed.config, logger },
        { api: true, worker: true, gateway: true },
        { extraRoutes: mount },
      );
      if (!running.server) throw new Error('backstop started without its HTTP server');
      return { server: running.server, close: () => running.close() };
    },
    httpError(code, message, issues) {
      if (!issues) return new AppError(code, message);
      const details = formatIssues(issues);
      return new AppError(code, `${details[0]?.path}: ${details[0]?.message}`, { details });
    },
  };
}

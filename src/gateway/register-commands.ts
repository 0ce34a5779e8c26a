import type { REST } from '@discordjs/rest';
import { Routes } from 'discord.js';
import { commandDefinitions } from '../../commands/index.ts';

/** Bulk-overwrites the application's commands: for one guild (applies at once) or globally. */
export async function registerCommands(rest: REST, input: { applicationId: string; guildId?: string | undefined }): Promise<{ scope: string; count: number }> {
  const route = input.guildId ? Routes.applicationGuildCommands(input.applicationId, input.guildId) : Routes.applicationCommands(input.applicationId);
  const result = (await rest.put(route, { body: commandDefinitions })) as unknown[];
  return { scope: input.guildId ? `guild ${input.guildId}` : 'global', count: result.length };
}

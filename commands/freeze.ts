import { ApplicationCommandOptionType, type RESTPostAPIChatInputApplicationCommandsJSONBody } from 'discord.js';
import { FREEZE_DURATION_MAX_LENGTH, NAME_MAX, REASON_MAX } from './limits.ts';

// Names come from the policy file, which Discord's registered definitions cannot know, so they autocomplete rather
// than being fixed choices: a service added to the policy needs no `commands register`.
const service = { type: ApplicationCommandOptionType.String, name: 'service', description: 'A service in the policy file', autocomplete: true, max_length: NAME_MAX } as const;
const environment = { type: ApplicationCommandOptionType.String, name: 'environment', description: 'One of its environments', autocomplete: true, max_length: NAME_MAX } as const;

// `/freeze set|list|lift`, the words of `backstop freeze` and of the API's /api/freezes, so one verb means one thing
// everywhere. `as const`: the handler registry derives each subcommand's argument types from these literal names.
export const freezeCommand = {
  name: 'freeze',
  description: 'Stop forward deploys for a while (rollbacks to the known-good version still go through)',
  dm_permission: false,
  options: [
    {
      type: ApplicationCommandOptionType.Subcommand,
      name: 'set',
      description: 'Freeze a service in an environment for a while, with a reason',
      options: [
        { ...service, required: true },
        { ...environment, required: true },
        { type: ApplicationCommandOptionType.String, name: 'duration', description: 'How long: 30m, 2h, 3d (at most 30d)', required: true, max_length: FREEZE_DURATION_MAX_LENGTH },
        { type: ApplicationCommandOptionType.String, name: 'reason', description: 'Why (shown on the card, recorded in the audit log)', required: true, max_length: REASON_MAX },
      ],
    },
    {
      type: ApplicationCommandOptionType.Subcommand,
      name: 'list',
      description: 'What is frozen now, and why, in the words the gate uses',
      options: [
        { ...service, description: 'Only this service' },
        { ...environment, description: 'Only this environment' },
      ],
    },
    {
      type: ApplicationCommandOptionType.Subcommand,
      name: 'lift',
      description: 'Lift a freeze set by hand before it ends',
      options: [
        { type: ApplicationCommandOptionType.String, name: 'freeze_id', description: 'The freeze (type a service or reason to find it)', required: true, autocomplete: true, min_length: 36, max_length: 36 },
        { type: ApplicationCommandOptionType.String, name: 'reason', description: 'Why', max_length: REASON_MAX },
      ],
    },
  ],
} as const satisfies RESTPostAPIChatInputApplicationCommandsJSONBody;

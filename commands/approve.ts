import { ApplicationCommandOptionType, type RESTPostAPIChatInputApplicationCommandsJSONBody } from 'discord.js';
import { REASON_MAX } from './limits.ts';

// `/approve rollback deployment_id:<autocomplete> reason:<text> [override:<bool>]`, exactly as in the seed. `as const`
// keeps the option names and types literal: the handler registry derives its argument types from them.
export const approveCommand = {
  name: 'approve',
  description: 'Approve a rollback (requests one if none is pending)',
  dm_permission: false,
  options: [
    {
      type: ApplicationCommandOptionType.Subcommand,
      name: 'rollback',
      description: 'Approve rolling back a deployment to its last known-good version',
      options: [
        {
          type: ApplicationCommandOptionType.String,
          name: 'deployment_id',
          description: 'The deployment to roll back',
          required: true,
          autocomplete: true,
          max_length: 36,
        },
        { type: ApplicationCommandOptionType.String, name: 'reason', description: 'Why (recorded in the audit log)', required: true, max_length: REASON_MAX },
        { type: ApplicationCommandOptionType.Boolean, name: 'override', description: 'Set aside constitutional violations (override role and a second person)' },
      ],
    },
  ],
} as const satisfies RESTPostAPIChatInputApplicationCommandsJSONBody;

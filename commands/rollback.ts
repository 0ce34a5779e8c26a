import { ApplicationCommandOptionType, type RESTPostAPIChatInputApplicationCommandsJSONBody } from 'discord.js';
import { rollbackStatus } from '../src/db/schema/ops.ts';
import { HISTORY_LIMIT_MAX, REASON_MAX } from './limits.ts';

const deploymentOption = {
  type: ApplicationCommandOptionType.String,
  name: 'deployment_id',
  description: 'The deployment',
  required: true,
  autocomplete: true,
  max_length: 36,
} as const;

const eventOption = {
  type: ApplicationCommandOptionType.String,
  name: 'event_id',
  description: 'The rollback event id',
  required: true,
  min_length: 36,
  max_length: 36,
} as const;

// `as const`: the handler registry derives each subcommand's argument types from these literal names and types.
export const rollbackCommand = {
  name: 'rollback',
  description: 'Inspect and manage rollbacks',
  dm_permission: false,
  options: [
    {
      type: ApplicationCommandOptionType.Subcommand,
      name: 'history',
      description: 'Who rolled back what, when and why',
      options: [
        { type: ApplicationCommandOptionType.String, name: 'service', description: 'Only this service', max_length: 63 },
        { type: ApplicationCommandOptionType.String, name: 'environment', description: 'Only this environment', max_length: 63 },
        {
          type: ApplicationCommandOptionType.String,
          name: 'status',
          description: 'Only rollbacks in this state',
          // The database enum itself, so the choices are the statuses history's filter accepts; less `requested`, which
          // names the lifecycle's start but is never stored (admission writes awaiting_approval), so it would list nothing.
          choices: rollbackStatus.enumValues.filter((s) => s !== 'requested').map((s) => ({ name: s, value: s })),
        },
        { type: ApplicationCommandOptionType.Integer, name: 'limit', description: 'Rollbacks per page (default 5)', min_value: 1, max_value: HISTORY_LIMIT_MAX },
      ],
    },
    { type: ApplicationCommandOptionType.Subcommand, name: 'check', description: 'Health of a deployment and whether it should roll back', options: [deploymentOption] },
    { type: ApplicationCommandOptionType.Subcommand, name: 'plan', description: 'What a rollback would do: target, migrations, laws, approvers', options: [deploymentOption] },
    { type: ApplicationCommandOptionType.Subcommand, name: 'status', description: 'Where a rollback is now', options: [eventOption] },
    {
      type: ApplicationCommandOptionType.Subcommand,
      name: 'cancel',
      description: 'Call off a rollback that has not started executing',
      options: [eventOption, { type: ApplicationCommandOptionType.String, name: 'reason', description: 'Why', max_length: REASON_MAX }],
    },
  ],
} as const satisfies RESTPostAPIChatInputApplicationCommandsJSONBody;

import { ApplicationCommandOptionType, type RESTPostAPIChatInputApplicationCommandsJSONBody } from 'discord.js';
import { HISTORY_LIMIT_MAX, REASON_MAX } from './limits.ts';

const STATUSES = ['awaiting_approval', 'approved', 'queued', 'running', 'verifying', 'succeeded', 'failed', 'rejected', 'expired', 'cancelled'];

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
          choices: STATUSES.map((s) => ({ name: s, value: s })),
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
} satisfies RESTPostAPIChatInputApplicationCommandsJSONBody;

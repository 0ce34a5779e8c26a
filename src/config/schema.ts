import { z } from 'zod';
import { DurationSchema, parseDuration } from './duration.ts';
import { FreezeWindowSchema } from './freeze-schema.ts';
import { MonitoringSchema, RuleSchema, SourceSchema } from './monitoring-schema.ts';
import { GithubAppSchema, ServiceGithubSchema } from './github-schema.ts';

// The policy file (backstop.yaml). Objects are strict so a misspelt key is an error, not a silently ignored setting.

// A person's roles: what a token, Discord or the CLI may vouch for on someone's behalf.
export const ROLES = ['viewer', 'deployer', 'approver', 'override', 'admin'] as const;
export const RoleSchema = z.enum(ROLES);
export type Role = z.infer<typeof RoleSchema>;

// A token's roles: a person's, plus automation, which belongs to machines only (an external monitor, Alertmanager).
// Only automation may claim an automatic or alert trigger over the API, so no person can be named as having it.
export const TOKEN_ROLES = [...ROLES, 'automation'] as const;
export const TokenRoleSchema = z.enum(TOKEN_ROLES);
export type TokenRole = z.infer<typeof TokenRoleSchema>;

const Name = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'expected a lowercase name of letters, digits, _ or -');
const EnvVarName = z.string().regex(/^[A-Z_][A-Z0-9_]*$/, 'expected an environment variable name such as ROLLBACK_SECRET');
const Argv = z.array(z.string().min(1, 'expected a non-empty argument')).min(1, 'expected at least the program to run');

export const ApprovalPolicySchema = z.strictObject({
  required: z.number().int().min(1).max(10),
  requester_counts: z.boolean(),
  expires_after: DurationSchema,
});
export type ApprovalPolicy = z.infer<typeof ApprovalPolicySchema>;

export const ConsistencyProbeSchema = z.discriminatedUnion('kind', [
  // Prints the number of inconsistencies (or JSON {"inconsistencies": n}) and exits 0.
  z.strictObject({ kind: z.literal('command'), argv: Argv, timeout: DurationSchema.default(30_000) }),
  // The first column of the first row is the number of inconsistencies.
  z.strictObject({
    kind: z.literal('sql'),
    url_env: EnvVarName,
    query: z.string().min(1),
    timeout: DurationSchema.default(30_000),
  }),
]);
export type ConsistencyProbe = z.infer<typeof ConsistencyProbeSchema>;

export const ConstitutionSchema = z.strictObject({
  // Law 3: an automatic rollback of a service below this error rate is refused (it is already stable).
  stable_error_rate_per_minute: z.number().min(0),
  // Health older than this does not count as the current error rate.
  max_sample_age: DurationSchema,
  consistency_probe: ConsistencyProbeSchema.optional(),
});
export type ConstitutionPolicy = z.infer<typeof ConstitutionSchema>;

export const VerificationSchema = z.strictObject({
  window: DurationSchema,
  interval: DurationSchema,
  // No health data after a rollback is inconclusive: by default that fails the rollback rather than calling it healthy.
  on_no_data: z.enum(['fail', 'pass']),
  probe_url: z.url().optional(),
  probe_timeout: DurationSchema.default(5_000),
  // Verification used to judge a few fixed thresholds of its own, which disagreed with the monitor. It now judges
  // the restored version with the same rules, so an old file that still sets them is told where they went.
  thresholds: z
    .never({ error: 'no longer used: verification judges the restored version with the same rules as the monitor; write these limits as rules (e.g. { name: error-rate-critical, metric: error_rate_per_minute, op: ">", threshold: 5, action: auto })' })
    .optional(),
});
export type VerificationPolicy = z.infer<typeof VerificationSchema>;

export const CommandExecutorSchema = z.strictObject({
  kind: z.literal('command'),
  argv: Argv,
  cwd: z.string().optional(),
  timeout: DurationSchema.default(600_000),
  // Only a script that deduplicates on BACKSTOP_IDEMPOTENCY_KEY may be started again after a worker crash.
  idempotent: z.boolean().default(false),
});
export const WebhookExecutorSchema = z.strictObject({
  kind: z.literal('webhook'),
  url: z.url(),
  secret_env: EnvVarName,
  timeout: DurationSchema.default(30_000),
  retries: z.number().int().min(0).max(10).default(3),
  status_url: z.url().optional(),
  poll_interval: DurationSchema.default(2_000),
  poll_timeout: DurationSchema.default(600_000),
});
// Inputs backstop always sends; an extra input of the same name would let the policy file rewrite the event id the
// run is found (and deduplicated) by.
export const GITHUB_ACTIONS_RESERVED_INPUTS = ['target_version', 'target_commit', 'event_id'] as const;
export const GithubActionsExecutorSchema = z.strictObject({
  kind: z.literal('github-actions'),
  // GitHub Enterprise Server: https://ghe.example.com/api/v3
  api_url: z.url({ protocol: /^https?$/ }).default('https://api.github.com'),
  repository: z
    .string()
    .regex(/^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})\/(?!\.\.?$)[A-Za-z0-9._-]{1,100}$/, 'expected owner/repository, such as acme/payments'),
  workflow: z.string().regex(/^(?:\d+|[A-Za-z0-9._-]+\.ya?ml)$/, 'expected a workflow file name such as rollback.yml, or its numeric id'),
  ref: z.string().min(1).max(255),
  token_env: EnvVarName,
  inputs: z
    .record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_-]*$/, 'expected a workflow input name'), z.string())
    .refine((i) => !GITHUB_ACTIONS_RESERVED_INPUTS.some((k) => k in i), `${GITHUB_ACTIONS_RESERVED_INPUTS.join(', ')} are sent by backstop and cannot be set here`)
    .default({}),
  poll_interval: DurationSchema.default(5_000),
  find_timeout: DurationSchema.default(120_000),
  timeout: DurationSchema.default(1_800_000),
});
export const ExecutorSchema = z.discriminatedUnion('kind', [CommandExecutorSchema, WebhookExecutorSchema, GithubActionsExecutorSchema]);
export type ExecutorConfig = z.infer<typeof ExecutorSchema>;
export type CommandExecutorConfig = z.infer<typeof CommandExecutorSchema>;
export type WebhookExecutorConfig = z.infer<typeof WebhookExecutorSchema>;
export type GithubActionsExecutorConfig = z.infer<typeof GithubActionsExecutorSchema>;

const PartialApprovals = ApprovalPolicySchema.partial();
const PartialConstitution = ConstitutionSchema.partial();
const PartialVerification = VerificationSchema.partial();

const Rules = z.array(RuleSchema).max(50);

export const EnvironmentSchema = z.strictObject({
  rules: Rules.optional(),
  approvals: PartialApprovals.optional(),
  constitution: PartialConstitution.optional(),
  verification: PartialVerification.optional(),
});

export const ServiceSchema = z.strictObject({
  environments: z.array(Name).min(1, 'expected at least one environment'),
  executor: ExecutorSchema,
  // Per-environment executor overrides, e.g. a different workflow for production.
  executors: z.record(Name, ExecutorSchema).optional(),
  constitution: PartialConstitution.optional(),
  verification: PartialVerification.optional(),
  // Rules here replace same-named rules from the environment and defaults, and add the rest.
  rules: Rules.optional(),
  sources: z.array(SourceSchema).max(10).default([]),
  // The repository whose GitHub deployments the App's protection rule gates (github_app, below).
  github: ServiceGithubSchema.optional(),
});

export const TokenSchema = z.strictObject({
  roles: z.array(TokenRoleSchema).min(1, 'expected at least one role'),
  // Who approvals made with this token are recorded as; defaults to the token's name.
  identity: z.string().min(1).max(100).optional(),
  // Only a trusted front end (the Discord gateway) may act for the person it names.
  speaks_for_others: z.boolean().default(false),
});

// One human who reaches backstop by more than one path (their Discord account, their API token): linked, their votes
// count once, and they are recorded as person:<name> whichever path they took.
export const PersonSchema = z.strictObject({
  discord: z.string().regex(/^\d{17,20}$/, 'expected a Discord user id (a snowflake)').optional(),
  tokens: z.array(Name).default([]),
});

export const DiscordSchema = z.strictObject({
  guild_id: z.string().regex(/^\d{17,20}$/, 'expected a Discord snowflake id').optional(),
  channel_id: z.string().regex(/^\d{17,20}$/, 'expected a Discord snowflake id').optional(),
  allowed_channels: z.array(z.string().regex(/^\d{17,20}$/, 'expected a Discord snowflake id')).default([]),
  roles: z
    .strictObject({
      approver: z.array(z.string()).default([]),
      override: z.array(z.string()).default([]),
      viewer: z.array(z.string()).default([]),
      oncall: z.string().optional(),
    })
    .default({ approver: [], override: [], viewer: [] }),
});

export const DAY_MS = 24 * 3_600_000;
const PERIOD = 'expected a period such as 30d, 14d or 720h';
// "30d", or any duration ("720h"). Days are written here only, so they are parsed here rather than in every duration.
const RetentionPeriodSchema = z
  .unknown()
  .transform((value, ctx) => {
    const text = typeof value === 'string' ? value.trim() : undefined;
    const days = text === undefined ? null : /^(\d+(?:\.\d+)?)d$/.exec(text);
    const ms = days ? Math.round(Number(days[1]) * DAY_MS) : text === undefined ? undefined : parseDuration(text);
    if (ms === undefined) {
      // A bare number is the likeliest slip: name the unit it lacks rather than the type.
      ctx.addIssue({ code: 'custom', message: `${PERIOD}, got ${typeof value === 'string' ? `"${value}"` : `${JSON.stringify(value)} without a unit`}` });
      return z.NEVER;
    }
    return ms;
  })
  // Less than a day is likelier a slip (30m for 30d) than a wish, and samples expire a whole UTC day at a time anyway.
  .refine((ms) => ms >= DAY_MS, 'expected at least 1d');

// How long history is kept (src/retention/): older health samples and health decisions are removed every `every`.
export const RetentionSchema = z.strictObject({
  health_samples: RetentionPeriodSchema.default(30 * DAY_MS),
  health_decisions: RetentionPeriodSchema.default(30 * DAY_MS),
  every: DurationSchema.refine((ms) => ms >= 60_000, 'expected at least 1m').default(3_600_000),
});
export type RetentionPolicy = z.infer<typeof RetentionSchema>;

export const ConfigSchema = z.strictObject({
  policy_version: z.string().min(1).max(64).optional(),
  discord: DiscordSchema.optional(),
  people: z.record(Name, PersonSchema).default({}),
  api: z
    .strictObject({
      tokens: z.record(Name, TokenSchema).default({}),
      body_limit: z.number().int().min(1024).max(10 * 1024 * 1024).default(64 * 1024),
    })
    .default({ tokens: {}, body_limit: 64 * 1024 }),
  monitoring: MonitoringSchema.prefault({}),
  retention: RetentionSchema.prefault({}),
  // Scheduled freezes (freeze-schema.ts): when forward deploys are refused.
  freezes: z.array(FreezeWindowSchema).max(100).default([]),
  github_app: GithubAppSchema.optional(),
  defaults: z
    .strictObject({
      // Without any, the seed's table applies (see DEFAULT_RULES).
      rules: Rules.optional(),
      approvals: PartialApprovals.optional(),
      constitution: PartialConstitution.optional(),
      verification: PartialVerification.optional(),
    })
    .default({}),
  environments: z.record(Name, EnvironmentSchema).refine((e) => Object.keys(e).length > 0, 'expected at least one environment'),
  services: z.record(Name, ServiceSchema).refine((s) => Object.keys(s).length > 0, 'expected at least one service'),
});
export type RawConfig = z.infer<typeof ConfigSchema>;

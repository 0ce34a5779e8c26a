import { z } from 'zod';
import { formatIssues, type FieldError } from '../config/format-issues.ts';
import { parsePublicKey, parseSigningKey, type KeyParse } from '../audit/checkpoint.ts';

export const DEFAULT_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/postgres';

function asKey<K>(parse: (text: string) => KeyParse<K>) {
  return (text: string, ctx: z.RefinementCtx): K => {
    const parsed = parse(text);
    if (parsed.ok) return parsed.key;
    ctx.addIssue({ code: 'custom', message: parsed.problem });
    return z.NEVER;
  };
}

// The process environment, parsed once. Only main/ reads process.env; everything else receives these values.
export const EnvSchema = z.object({
  // The database every PostgreSQL has, as README's commands name it: a fresh local server runs backstop with no setup
  // (its tables live in their own schema, ops). Any other name works too; `backstop migrate` creates it.
  DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\//, 'expected a postgres:// URL').default(DEFAULT_DATABASE_URL),
  // Optional: an owner's credentials (a user in backstop_owner, docs/database-roles.md) for `backstop migrate`,
  // `backstop audit archive` and migrations at startup, when DATABASE_URL names a user in backstop_runtime, which may
  // not change the schema or delete audit rows. Unset, DATABASE_URL's user does everything (one user, as before).
  BACKSTOP_MIGRATION_URL: z.string().regex(/^postgres(ql)?:\/\//, 'expected a postgres:// URL').optional(),
  REDIS_URL: z.string().regex(/^rediss?:\/\//, 'expected a redis:// URL').default('redis://127.0.0.1:6379'),
  BACKSTOP_CONFIG: z.string().min(1).default('backstop.yaml'),
  BACKSTOP_QUEUE_PREFIX: z.string().regex(/^[a-zA-Z0-9_-]+$/).default('backstop'),
  HOST: z.string().default('0.0.0.0'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  // A process without the API (worker, gateway) serves /metrics and /health here; a process with it serves them on PORT.
  // 9464 is the port Prometheus exporters conventionally use; 0 picks a free one.
  BACKSTOP_METRICS_PORT: z.coerce.number().int().min(0).max(65535).default(9464),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  LOG_PRETTY: z.enum(['true', 'false', '1', '0']).optional(),
  NODE_ENV: z.string().optional(),
  // Worker tuning; short values are for tests that kill workers on purpose.
  BACKSTOP_LOCK_DURATION_MS: z.coerce.number().int().min(500).default(30_000),
  BACKSTOP_STALLED_INTERVAL_MS: z.coerce.number().int().min(500).default(30_000),
  BACKSTOP_RECONCILE_INTERVAL_MS: z.coerce.number().int().min(200).default(15_000),
  // Rollbacks one worker process runs at once. Executors mostly wait (on a deploy command, a webhook, a GitHub run), so
  // many fit in one process. Their execution locks share one database session per process (createExecutionLocks).
  BACKSTOP_WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(100).default(16),
  // Discord: without a bot token every role runs without Discord (logs, API and CLI still work).
  DISCORD_TOKEN: z.string().min(1).optional(),
  DISCORD_APPLICATION_ID: z.string().regex(/^\d{17,20}$/, 'expected a Discord snowflake id').optional(),
  // For REST proxies and the test emulator; discord.js appends /v10.
  DISCORD_API_URL: z.url().optional(),
  // How often a worker re-delivers cards and outcomes that a Discord outage held back.
  BACKSTOP_DISCORD_SWEEP_INTERVAL_MS: z.coerce.number().int().min(200).default(30_000),
  // Audit checkpoints: with a signing key (Ed25519, from `backstop audit keygen`), workers sign the audit log's chain
  // heads every interval and at shutdown, and publish them where the database cannot rewrite them: the file, the URL,
  // the Discord channel (when Discord is configured) and /metrics. `audit verify` checks against the public key.
  // Parsed once, here: the roles and `audit verify` take the keys themselves. A bad one is named by its problem (not
  // PEM, not Ed25519), never echoed.
  BACKSTOP_AUDIT_SIGNING_KEY: z.string().transform(asKey(parseSigningKey)).optional(),
  BACKSTOP_AUDIT_PUBLIC_KEY: z.string().transform(asKey(parsePublicKey)).optional(),
  BACKSTOP_AUDIT_CHECKPOINT_FILE: z.string().min(1).optional(),
  BACKSTOP_AUDIT_CHECKPOINT_URL: z.url({ protocol: /^https?$/ }).optional(),
  BACKSTOP_AUDIT_CHECKPOINT_INTERVAL_MS: z.coerce.number().int().min(1_000).default(300_000),
});

export type Env = z.infer<typeof EnvSchema> & {
  /** API token values keyed by the upper-snake suffix of BACKSTOP_TOKEN_<NAME> (see tokenEnvName). */
  tokens: Record<string, string>;
  /** Reads a secret named in the policy file (a webhook secret_env, a probe url_env). */
  secret(name: string): string | undefined;
};

export type EnvResult = { ok: true; env: Env } | { ok: false; errors: FieldError[] };

export function parseEnv(source: Record<string, string | undefined>): EnvResult {
  // An empty variable means unset (docker-compose's `${DISCORD_TOKEN:-}` passes one), not an invalid value.
  const present = Object.fromEntries(Object.entries(source).filter(([, v]) => v !== ''));
  const parsed = EnvSchema.safeParse(present, { reportInput: true });
  if (!parsed.success) return { ok: false, errors: formatIssues(parsed.error) };
  const tokens: Record<string, string> = {};
  for (const [key, value] of Object.entries(source)) {
    const m = /^BACKSTOP_TOKEN_([A-Z0-9_]+)$/.exec(key);
    if (m?.[1] && value) tokens[m[1]] = value;
  }
  const snapshot = { ...source };
  return { ok: true, env: { ...parsed.data, tokens, secret: (name) => snapshot[name] || undefined } };
}

/** The environment variable that holds the value of the token named `name` in the policy file ("on-call" → BACKSTOP_TOKEN_ON_CALL). */
export const tokenEnvName = (name: string) => `BACKSTOP_TOKEN_${name.toUpperCase().replace(/-/g, '_')}`;

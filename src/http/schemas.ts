import { z } from 'zod';
import { rollbackStatus } from '../db/schema/ops.ts';
import { NO_CLAIMED_ROLES } from './auth.ts';
import { ReasonSchema, UuidSchema } from '../admission/validate-input.ts';

const Text = (max: number) => z.string().trim().min(1, 'must not be empty').max(max, `must be at most ${max} characters`);
const Metric = z.number().finite().min(0);
// recent_errors, active_queries and execution_time_ms are PostgreSQL integer (int4) columns: a larger count would
// fail in the database, after validation, as a 500. The range comes before .int(), so past 2^53 the message gives
// the column's bound, not zod's safe-integer one.
const INT4_MAX = 2_147_483_647;
const Count = z.number().min(0).max(INT4_MAX).int();

/** A deployment's version and commit as CI records them; the gate takes the same, so a question names what a record would. */
export const VersionText = Text(100);
export const GitCommit = z.string().regex(/^[0-9a-fA-F]{4,64}$/, 'expected a git commit hash (4–64 hex characters)');

export const CreateDeploymentSchema = z.strictObject({
  service: Text(63),
  environment: Text(63),
  version: VersionText,
  git_commit: GitCommit,
  git_branch: Text(255).optional(),
  deployed_by: Text(100).optional(),
  metadata: z.record(z.string(), z.unknown()).optional(),
});

export const CompleteDeploymentSchema = z.strictObject({
  status: z.enum(['success', 'failed']),
  health_check_passed: z.boolean(),
  health_check_details: z.record(z.string(), z.unknown()).optional(),
});

export const MigrationSchema = z.strictObject({
  name: Text(255),
  hash: Text(128),
  rollback_script: z.string().max(100_000).optional(),
  reversibility: z.enum(['expand', 'reversible', 'destructive', 'irreversible']),
  execution_time_ms: Count.optional(),
});

export const HealthSampleSchema = z
  .strictObject({
    error_rate_per_minute: Metric.optional(),
    recent_errors: Count.optional(),
    database_connections_pct: Metric.max(100).optional(),
    active_queries: Count.optional(),
    p95_ms: Metric.optional(),
    memory_pct: Metric.max(100).optional(),
    observed_at: z.iso.datetime({ offset: true }).optional(),
    source: Text(40).optional(),
  })
  .refine((s) => ['error_rate_per_minute', 'recent_errors', 'database_connections_pct', 'active_queries', 'p95_ms', 'memory_pct'].some((k) => s[k as keyof typeof s] !== undefined), {
    message: 'expected at least one metric (error_rate_per_minute, recent_errors, database_connections_pct, active_queries, p95_ms, memory_pct)',
  });

/** A service or environment as the policy file names them: the gate, freezes and holds take one in a path or query. */
export const ConfiguredName = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'expected a service or environment name');
/** The person a speaking token (the gateway's) acts for: discord:<user id>, resolved by actingAs. */
export const ActingPerson = Text(100);

export const DeploymentParams = z.object({ id: UuidSchema.describe('The deployment_id backstop returned when the deployment was recorded') });
export const EventParams = z.object({ event_id: UuidSchema.describe("The rollback's event_id") });

// Kept in the schema only to refuse it by name: a client that sends roles believes they count, and must learn they do not.
const RefusedRoles = z.never({ error: NO_CLAIMED_ROLES }).optional().describe('Refused: backstop resolves roles itself');

export const RollbackRequestSchema = z.strictObject({
  deployment_id: UuidSchema,
  trigger_reason: ReasonSchema,
  initiated_by: Text(100).optional(),
  initiated_by_name: Text(100).optional(),
  initiated_by_roles: RefusedRoles,
  trigger_type: z.enum(['manual', 'alert', 'automatic']).default('manual').describe('automatic and alert need a token with the automation role; people ask for manual rollbacks'),
  override: z.boolean().default(false),
  code_only: z.boolean().default(false),
});

export const CheckSchema = z.strictObject({ deployment_id: UuidSchema });

export const ApprovalSchema = z.strictObject({
  approver: Text(100).optional(),
  approver_name: Text(100).optional(),
  approver_roles: RefusedRoles,
  decision: z.enum(['approve', 'reject']),
  reason: ReasonSchema,
  override: z.boolean().default(false),
});

export const CancelSchema = z.strictObject({
  reason: ReasonSchema.optional(),
  actor: Text(100).optional(),
  actor_name: Text(100).optional(),
  actor_roles: RefusedRoles,
});

export const HistoryQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(100).default(10).describe('Rollbacks per page'),
  service: Text(63).optional().describe('Only rollbacks of this service'),
  environment: Text(63).optional().describe('Only rollbacks in this environment'),
  status: z.enum(rollbackStatus.enumValues).optional().describe('Only rollbacks in this status'),
  deployment_id: UuidSchema.optional().describe('Only rollbacks of this deployment'),
  cursor: z.string().max(200).optional().describe("The previous page's next_cursor"),
});

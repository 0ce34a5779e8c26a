import { sql } from 'drizzle-orm';
import { index, integer, jsonb, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { ops } from './ops.ts';

// Freezes set by hand (/freeze, the API, the CLI). Scheduled windows live in the policy file, and backstop's own
// freezes (an active rollback, a hold, a firing alert, a quarantined version) are read from the state that causes them,
// so neither is copied here: a copy could disagree with its cause.
export const freezes = ops.table(
  'freezes',
  {
    freezeId: uuid('freeze_id').primaryKey().default(sql`gen_random_uuid()`),
    service: text('service').notNull(),
    environment: text('environment').notNull(),
    reason: text('reason').notNull(),
    setBy: text('set_by').notNull(),
    setByName: text('set_by_name'),
    startsAt: timestamp('starts_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
    endsAt: timestamp('ends_at', { withTimezone: true, precision: 3 }).notNull(),
    liftedAt: timestamp('lifted_at', { withTimezone: true, precision: 3 }),
    liftedBy: text('lifted_by'),
    liftReason: text('lift_reason'),
  },
  // The gate's read: the unlifted freezes of one service and environment (ended ones are filtered by time).
  (t) => [index('freezes_open_idx').on(t.service, t.environment, t.endsAt).where(sql`lifted_at is null`)],
);

// "Let one deploy through": asked for by someone with the override role, with a reason, and granted by a second
// person. It lets one version of one service and environment past every freeze once, until it is used or expires.
export const deployPasses = ops.table(
  'deploy_passes',
  {
    passId: uuid('pass_id').primaryKey().default(sql`gen_random_uuid()`),
    service: text('service').notNull(),
    environment: text('environment').notNull(),
    version: text('version').notNull(),
    reason: text('reason').notNull(),
    requestedBy: text('requested_by').notNull(),
    requestedByName: text('requested_by_name'),
    requestedAt: timestamp('requested_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
    grantedBy: text('granted_by'),
    grantedByName: text('granted_by_name'),
    grantedAt: timestamp('granted_at', { withTimezone: true, precision: 3 }),
    expiresAt: timestamp('expires_at', { withTimezone: true, precision: 3 }).notNull(),
    // The deployment CI recorded with it; a pass lets exactly one deploy through.
    usedByDeployment: uuid('used_by_deployment'),
    usedAt: timestamp('used_at', { withTimezone: true, precision: 3 }),
  },
  (t) => [index('deploy_passes_open_idx').on(t.service, t.environment, t.version).where(sql`used_at is null`)],
);

// Alertmanager alerts that name a service and environment, while they fire: each freezes its service's deploys until
// Alertmanager says it resolved (or a person lifts it). Keyed by fingerprint and start, as Alertmanager identifies one.
export const firingAlerts = ops.table(
  'firing_alerts',
  {
    fingerprint: text('fingerprint').notNull(),
    startsAt: timestamp('starts_at', { withTimezone: true, precision: 3 }).notNull(),
    service: text('service').notNull(),
    environment: text('environment').notNull(),
    alertname: text('alertname'),
    summary: text('summary'),
    lastSeenAt: timestamp('last_seen_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
    resolvedAt: timestamp('resolved_at', { withTimezone: true, precision: 3 }),
  },
  (t) => [
    uniqueIndex('firing_alerts_identity_idx').on(t.fingerprint, t.startsAt),
    index('firing_alerts_open_idx').on(t.service, t.environment).where(sql`resolved_at is null`),
  ],
);

/**
 * A GitHub deployment waiting on backstop's custom deployment protection rule: answered at once when the gate allows
 * it or GitHub could not be mapped, otherwise commented on and answered when the freezes lift (the monitor's tick).
 */
export const githubProtectionRequests = ops.table(
  'github_protection_requests',
  {
    requestId: uuid('request_id').primaryKey().default(sql`gen_random_uuid()`),
    // X-GitHub-Delivery: a redelivered event is the same request, never a second answer.
    deliveryId: text('delivery_id').notNull(),
    repository: text('repository').notNull(),
    githubEnvironment: text('github_environment').notNull(),
    service: text('service'),
    environment: text('environment'),
    version: text('version').notNull(),
    sha: text('sha'),
    callbackUrl: text('callback_url').notNull(),
    installationId: text('installation_id').notNull(),
    // deciding (the webhook's own quick answer) | waiting (denied for now, or GitHub unreachable) | approved | rejected |
    // failed (GitHub would not take the answer)
    state: text('state').notNull(),
    // The reasons the gate gave, as last told to GitHub.
    reasons: jsonb('reasons').$type<string[]>().notNull().default(sql`'[]'::jsonb`),
    commentedAt: timestamp('commented_at', { withTimezone: true, precision: 3 }),
    answeredAt: timestamp('answered_at', { withTimezone: true, precision: 3 }),
    attempts: integer('attempts').notNull().default(0),
    lastError: text('last_error'),
    receivedAt: timestamp('received_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('github_protection_requests_delivery_idx').on(t.deliveryId),
    index('github_protection_requests_open_idx').on(t.receivedAt).where(sql`state in ('deciding', 'waiting')`),
  ],
);

export type FreezeRow = typeof freezes.$inferSelect;
export type DeployPassRow = typeof deployPasses.$inferSelect;
export type GithubProtectionRequestRow = typeof githubProtectionRequests.$inferSelect;

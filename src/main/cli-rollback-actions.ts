import { userInfo } from 'node:os';
import { describeApprovals } from '../admission/approval-policy.ts';
import { ROLES, type Role } from '../config/schema.ts';
import { findHistory, findVotes, getEvent, type RollbackStatus } from '../db/queries/rollback-events.ts';
import { rollbackStatus } from '../db/schema/ops.ts';
import { AppError } from '../errors/app-error.ts';
import { cancelRollback } from '../admission/cancel-rollback.ts';
import { checkDeployment } from '../views/check-deployment.ts';
import { decideRollback } from '../admission/decide-rollback.ts';
import type { Actor } from '../core/deps.ts';
import { buildEvidence } from '../views/evidence.ts';
import { requestRollback } from '../admission/request-rollback.ts';
import { requireUuid } from '../admission/validate-input.ts';
import { eventDetail, historyItem } from '../views/rollback-views.ts';
import { boot } from './boot.ts';
import { acknowledgeHold } from '../monitor/holds.ts';
import { createCliDeps, type CliDeps } from './cli-deps.ts';

// What the rollback commands do, loaded only when one runs (cli-rollback.ts declares them for --help).

const print = (value: unknown) => console.log(JSON.stringify(value, null, 2));

export interface WhoOptions {
  as?: string;
  name?: string;
}

// Whoever can run the CLI holds the database credentials, so the CLI acts with full rights, as a named person.
function cliActor(opts: WhoOptions): Actor {
  const id = opts.as ?? `cli:${userInfo().username}`;
  return { id, name: opts.name ?? id, roles: new Set<Role>(ROLES), source: 'cli' };
}

async function withCore(fn: (deps: CliDeps) => Promise<number | void>): Promise<void> {
  const { env, config, logger } = await boot('cli');
  const deps = createCliDeps({ env, config, logger: logger.child({}, { level: env.LOG_LEVEL === 'info' ? 'warn' : env.LOG_LEVEL }) });
  try {
    process.exitCode = (await fn(deps)) ?? 0;
  } catch (err) {
    if (err instanceof AppError) {
      console.error(`error (${err.code}): ${err.message}`);
      process.exitCode = 1;
    } else throw err;
  } finally {
    await deps.close();
  }
}

export const request = (deploymentId: string, opts: WhoOptions & { reason: string; override?: boolean; codeOnly?: boolean }) =>
  withCore(async (deps) => {
    const outcome = await requestRollback(deps, { deploymentId, reason: opts.reason, triggerType: 'manual', requester: cliActor(opts), override: Boolean(opts.override), codeOnly: Boolean(opts.codeOnly) });
    if (outcome.kind === 'admitted') {
      console.log(`rollback ${outcome.event.eventId}: ${outcome.event.status} → target ${outcome.target.version} (${outcome.target.git_commit})${outcome.enqueued ? ', queued' : ''}`);
      for (const w of outcome.validation.warnings) console.log(`  warning: ${w}`);
      return 0;
    }
    if (outcome.kind === 'already_in_progress') {
      console.error(`a rollback of ${outcome.event.service}/${outcome.event.environment} is already in progress: ${outcome.event.eventId} (${outcome.event.status})`);
      return 3;
    }
    console.error(`rollback refused: ${outcome.error}`);
    for (const v of outcome.validation.violations) console.error(`  violation: ${v}`);
    return 4;
  });

export const decide = (decision: 'approve' | 'reject', eventId: string, opts: WhoOptions & { reason: string; override?: boolean }) =>
  withCore(async (deps) => {
    const outcome = await decideRollback(deps, { eventId, actor: cliActor(opts), decision, reason: opts.reason, override: Boolean(opts.override) });
    if (outcome.kind === 'recorded') {
      console.log(`rollback ${eventId}: ${outcome.event.status} (${describeApprovals(outcome.approval)})`);
      return 0;
    }
    console.error(outcome.kind === 'refused' ? `refused (${outcome.code}): ${outcome.message}` : `already resolved: ${outcome.by}`);
    return 3;
  });

export const cancel = (eventId: string, opts: WhoOptions & { reason?: string }) =>
  withCore(async (deps) => {
    const outcome = await cancelRollback(deps, { eventId, actor: cliActor(opts), reason: opts.reason });
    console.log(`rollback ${eventId}: ${outcome.kind === 'cancelled' ? 'cancelled' : `not cancelled (${outcome.kind}, status ${outcome.event.status})`}`);
    return outcome.kind === 'cancelled' ? 0 : 3;
  });

export const status = (raw: string) =>
  withCore(async (deps) => {
    const eventId = requireUuid(raw, 'event_id');
    const event = await getEvent(deps.db, eventId);
    if (!event) throw new AppError('NOT_FOUND', `rollback ${eventId} not found`);
    print(eventDetail(event, await findVotes(deps.db, eventId)));
  });

export const history = (opts: { service?: string; environment?: string; status?: string; limit: string }) =>
  withCore(async (deps) => {
    const limit = Number(opts.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 100) throw new AppError('VALIDATION_FAILED', '--limit: expected a whole number from 1 to 100');
    const statuses: readonly string[] = rollbackStatus.enumValues;
    if (opts.status !== undefined && !statuses.includes(opts.status)) throw new AppError('VALIDATION_FAILED', `--status: "${opts.status}" is not a rollback status (one of ${statuses.join(', ')})`);
    const rows = await findHistory(deps.db, { service: opts.service, environment: opts.environment, status: opts.status as RollbackStatus | undefined, limit });
    print({ rollbacks: rows.map(historyItem) });
  });

export const check = (deploymentId: string) => withCore(async (deps) => print(await checkDeployment(deps, deploymentId)));

export const evidence = (eventId: string) => withCore(async (deps) => print(await buildEvidence(deps.db, eventId)));

export const acknowledge = (service: string, environment: string, opts: WhoOptions) =>
  withCore(async (deps) => {
    const released = await acknowledgeHold(deps, cliActor(opts), service, environment);
    console.log(released ? `automation resumed for ${service} in ${environment} (${released} hold${released === 1 ? '' : 's'} released)` : `no hold on ${service} in ${environment}`);
  });

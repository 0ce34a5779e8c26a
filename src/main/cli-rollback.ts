import { userInfo } from 'node:os';
import type { Command } from 'commander';
import { describeApprovals } from '../admission/approval-policy.ts';
import { ROLES, type Role } from '../config/schema.ts';
import { findHistory, findVotes, getEvent } from '../db/queries/rollback-events.ts';
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

const print = (value: unknown) => console.log(JSON.stringify(value, null, 2));

// Whoever can run the CLI holds the database credentials, so the CLI acts with full rights, as a named person.
function cliActor(opts: { as?: string; name?: string }): Actor {
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

export function registerRollbackCommands(program: Command): void {
  const rollback = program.command('rollback').description('the same rollback verbs as Discord, so a Discord outage never blocks recovery');
  const who = (c: Command) => c.option('--as <id>', 'who you are (recorded in approvals and the audit log)').option('--name <name>', 'display name');

  who(rollback.command('request').description('request a rollback of a deployment'))
    .argument('<deployment_id>')
    .requiredOption('-r, --reason <text>', 'why (1–1000 characters)')
    .option('--override', 'ask to override constitutional violations (needs a second approver)')
    .option('--code-only', 'redeploy the old code and leave the database as it is')
    .action((deploymentId: string, opts) =>
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
      }),
    );

  for (const decision of ['approve', 'reject'] as const) {
    who(rollback.command(decision).description(`${decision} a pending rollback`))
      .argument('<event_id>')
      .requiredOption('-r, --reason <text>', 'why (1–1000 characters)')
      .option('--override', 'approve despite constitutional violations (override role)')
      .action((eventId: string, opts) =>
        withCore(async (deps) => {
          const outcome = await decideRollback(deps, { eventId, actor: cliActor(opts), decision, reason: opts.reason, override: Boolean(opts.override) });
          if (outcome.kind === 'recorded') {
            console.log(`rollback ${eventId}: ${outcome.event.status} (${describeApprovals(outcome.approval)})`);
            return 0;
          }
          console.error(outcome.kind === 'refused' ? `refused (${outcome.code}): ${outcome.message}` : `already resolved: ${outcome.by}`);
          return 3;
        }),
      );
  }

  who(rollback.command('cancel').description('cancel a rollback that has not started executing'))
    .argument('<event_id>')
    .option('-r, --reason <text>', 'why')
    .action((eventId: string, opts) =>
      withCore(async (deps) => {
        const outcome = await cancelRollback(deps, { eventId, actor: cliActor(opts), reason: opts.reason });
        console.log(`rollback ${eventId}: ${outcome.kind === 'cancelled' ? 'cancelled' : `not cancelled (${outcome.kind}, status ${outcome.event.status})`}`);
        return outcome.kind === 'cancelled' ? 0 : 3;
      }),
    );

  rollback
    .command('status')
    .argument('<event_id>')
    .description('one rollback: status, plan, validation, approvals, steps')
    .action((raw: string) =>
      withCore(async (deps) => {
        const eventId = requireUuid(raw, 'event_id');
        const event = await getEvent(deps.db, eventId);
        if (!event) throw new AppError('NOT_FOUND', `rollback ${eventId} not found`);
        print(eventDetail(event, await findVotes(deps.db, eventId)));
      }),
    );

  rollback
    .command('history')
    .description('rollbacks, newest first')
    .option('--service <name>')
    .option('--environment <name>')
    .option('--status <status>')
    .option('--limit <n>', 'how many (1–100)', '10')
    .action((opts) =>
      withCore(async (deps) => {
        const limit = Number(opts.limit);
        if (!Number.isInteger(limit) || limit < 1 || limit > 100) throw new AppError('VALIDATION_FAILED', '--limit: expected a whole number from 1 to 100');
        const rows = await findHistory(deps.db, { service: opts.service, environment: opts.environment, status: opts.status, limit });
        print({ rollbacks: rows.map(historyItem) });
      }),
    );

  rollback
    .command('check')
    .argument('<deployment_id>')
    .description('should this deployment be rolled back?')
    .action((deploymentId: string) => withCore(async (deps) => print(await checkDeployment(deps, deploymentId))));

  rollback
    .command('evidence')
    .argument('<event_id>')
    .description('the evidence bundle of one rollback, as JSON')
    .action((eventId: string) => withCore(async (deps) => print(await buildEvidence(deps.db, eventId))));

  who(
    program
      .command('automation')
      .description('automatic rollbacks')
      .command('ack')
      .description('resume automatic rollbacks after a rollback that did not restore health (releases the hold)'),
  )
    .argument('<service>')
    .argument('<environment>')
    .action((service: string, environment: string, opts) =>
      withCore(async (deps) => {
        const released = await acknowledgeHold(deps, cliActor(opts), service, environment);
        console.log(released ? `automation resumed for ${service} in ${environment} (${released} hold${released === 1 ? '' : 's'} released)` : `no hold on ${service} in ${environment}`);
      }),
    );
}

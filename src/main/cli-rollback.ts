import type { Command } from 'commander';
import { EXIT_CODES_HELP } from '../cli/exit-codes.ts';

// The rollback commands as --help shows them. Their work (the core, the database, the queue) loads only when one runs.
const verbs = () => import('./cli-rollback-actions.ts');
const reads = () => import('./cli-rollback-reads.ts');

const WAIT_HELP = `
--wait follows the rollback in the database: each status and step as it happens, with the time since you started
waiting, until it ends. A rollback that still needs approvals is followed too: it says who is missing and goes on once
they approve (the approval window ends it otherwise). Ctrl-C stops following, never the rollback.`;

export function registerRollbackCommands(program: Command): void {
  const rollback = program
    .command('rollback')
    .description('the same rollback verbs as Discord, so a Discord outage never blocks recovery')
    .addHelpText('after', EXIT_CODES_HELP);
  const who = (c: Command) => c.option('--as <id>', 'who you are (recorded in approvals and the audit log)').option('--name <name>', 'display name');
  const json = (c: Command, what = 'the HTTP API’s JSON body for the same request') => c.option('--json', `print ${what} instead of text`);
  const wait = (c: Command) =>
    c
      .option('--wait', 'follow the rollback until it ends; exit 0 only if it succeeded')
      .option('--timeout <duration>', 'with --wait: stop following after this long (90s, 10m, 1h); the rollback goes on')
      .addHelpText('after', `${WAIT_HELP}\n${EXIT_CODES_HELP}`);

  const request = rollback
    .command('request')
    .description('request a rollback of a deployment')
    .argument('<deployment_id>')
    .requiredOption('-r, --reason <text>', 'why (1–1000 characters)')
    .option('--override', 'ask to override constitutional violations (needs a second approver)')
    .option('--code-only', 'redeploy the old code and leave the database as it is');
  wait(json(who(request))).action(async (deploymentId: string, opts) => (await verbs()).request(deploymentId, opts));

  const approve = rollback
    .command('approve')
    .description('approve a pending rollback')
    .argument('<event_id>')
    .requiredOption('-r, --reason <text>', 'why (1–1000 characters)')
    .option('--override', 'approve despite constitutional violations (override role)');
  wait(json(who(approve))).action(async (eventId: string, opts) => (await verbs()).decide('approve', eventId, opts));

  const reject = rollback
    .command('reject')
    .description('reject a pending rollback (one reject vetoes it)')
    .argument('<event_id>')
    .requiredOption('-r, --reason <text>', 'why (1–1000 characters)')
    .option('--override', 'decide with the override role');
  json(who(reject)).action(async (eventId: string, opts) => (await verbs()).decide('reject', eventId, opts));

  const cancel = rollback.command('cancel').description('cancel a rollback that has not started executing').argument('<event_id>').option('-r, --reason <text>', 'why');
  json(who(cancel)).action(async (eventId: string, opts) => (await verbs()).cancel(eventId, opts));

  wait(json(rollback.command('status').argument('<event_id>').description('one rollback: status, plan, validation, approvals, steps; needs no policy file'), 'the body of GET /api/rollbacks/{event_id}'))
    .action(async (eventId: string, opts) => (await reads()).status(eventId, opts));

  json(rollback.command('history').description('rollbacks, newest first, one row each; needs no policy file'), 'the body of GET /api/rollbacks ({ rollbacks, next_cursor })')
    .option('--service <name>')
    .option('--environment <name>')
    .option('--status <status>')
    .option('--limit <n>', 'how many (1–100)', '10')
    .option('--cursor <cursor>', 'the page after the one that printed this cursor')
    .action(async (opts) => (await reads()).history(opts));

  json(rollback.command('check').argument('<deployment_id>').description('should this deployment be rolled back? The verdict in words, then the evidence'), 'the body of POST /api/rollbacks/check')
    .action(async (deploymentId: string, opts) => (await reads()).check(deploymentId, opts));

  // JSON either way: the bundle is a file to keep (`> evidence.json`); `rollback status` is its summary for people.
  rollback
    .command('evidence')
    .argument('<event_id>')
    .description('the evidence bundle of one rollback, as JSON (always; `rollback status` summarizes it); needs no policy file')
    .option('--json', 'accepted for symmetry with the other commands: the bundle is JSON already')
    .action(async (eventId: string) => (await reads()).evidence(eventId));

  json(
    who(
      program
        .command('automation')
        .description('automatic rollbacks')
        .command('ack')
        .description('resume automatic rollbacks after a rollback that did not restore health (releases the hold)'),
    ),
  )
    .argument('<service>')
    .argument('<environment>')
    .action(async (service: string, environment: string, opts) => (await verbs()).acknowledge(service, environment, opts));
}

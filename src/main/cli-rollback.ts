import type { Command } from 'commander';

// The rollback commands as --help shows them. Their work (the core, the database, the queue) loads only when one runs.
const actions = () => import('./cli-rollback-actions.ts');

export function registerRollbackCommands(program: Command): void {
  const rollback = program.command('rollback').description('the same rollback verbs as Discord, so a Discord outage never blocks recovery');
  const who = (c: Command) => c.option('--as <id>', 'who you are (recorded in approvals and the audit log)').option('--name <name>', 'display name');

  who(rollback.command('request').description('request a rollback of a deployment'))
    .argument('<deployment_id>')
    .requiredOption('-r, --reason <text>', 'why (1–1000 characters)')
    .option('--override', 'ask to override constitutional violations (needs a second approver)')
    .option('--code-only', 'redeploy the old code and leave the database as it is')
    .action(async (deploymentId: string, opts) => (await actions()).request(deploymentId, opts));

  for (const decision of ['approve', 'reject'] as const) {
    who(rollback.command(decision).description(`${decision} a pending rollback`))
      .argument('<event_id>')
      .requiredOption('-r, --reason <text>', 'why (1–1000 characters)')
      .option('--override', 'approve despite constitutional violations (override role)')
      .action(async (eventId: string, opts) => (await actions()).decide(decision, eventId, opts));
  }

  who(rollback.command('cancel').description('cancel a rollback that has not started executing'))
    .argument('<event_id>')
    .option('-r, --reason <text>', 'why')
    .action(async (eventId: string, opts) => (await actions()).cancel(eventId, opts));

  rollback
    .command('status')
    .argument('<event_id>')
    .description('one rollback: status, plan, validation, approvals, steps')
    .action(async (eventId: string) => (await actions()).status(eventId));

  rollback
    .command('history')
    .description('rollbacks, newest first')
    .option('--service <name>')
    .option('--environment <name>')
    .option('--status <status>')
    .option('--limit <n>', 'how many (1–100)', '10')
    .action(async (opts) => (await actions()).history(opts));

  rollback
    .command('check')
    .argument('<deployment_id>')
    .description('should this deployment be rolled back?')
    .action(async (deploymentId: string) => (await actions()).check(deploymentId));

  rollback
    .command('evidence')
    .argument('<event_id>')
    .description('the evidence bundle of one rollback, as JSON')
    .action(async (eventId: string) => (await actions()).evidence(eventId));

  who(
    program
      .command('automation')
      .description('automatic rollbacks')
      .command('ack')
      .description('resume automatic rollbacks after a rollback that did not restore health (releases the hold)'),
  )
    .argument('<service>')
    .argument('<environment>')
    .action(async (service: string, environment: string, opts) => (await actions()).acknowledge(service, environment, opts));
}

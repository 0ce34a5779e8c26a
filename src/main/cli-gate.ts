import type { Command } from 'commander';
import { EXIT_CODES_HELP, GATE_EXIT_HELP } from '../cli/exit-codes.ts';

// The gate and freeze commands as --help shows them; their work loads only when one runs.
const actions = () => import('./cli-gate-actions.ts');

const GATE_HELP = `
CI asks before every deploy. Without --url it asks the database (DATABASE_URL) with the policy file, as the other
commands do; with --url (or BACKSTOP_URL) it asks a running backstop's API with the token in BACKSTOP_TOKEN, which is
what a CI runner usually has. The text is the same either way, one reason per line.
${GATE_EXIT_HELP}`;

export function registerGateCommands(program: Command): void {
  program
    .command('gate')
    .description('may this version deploy now? exits 0 (allow) or 1 (deny), printing every freeze and when the deploy may go ahead')
    .argument('<service>')
    .argument('<environment>')
    .argument('<version>')
    .option('--commit <sha>', 'the git commit being deployed (a known-good version is exempt only as the same build)')
    .option('--url <url>', "ask a running backstop's API (default: $BACKSTOP_URL; the token comes from $BACKSTOP_TOKEN)")
    .option('--json', 'print the body of GET /api/gate')
    .addHelpText('after', GATE_HELP)
    .action(async (service: string, environment: string, version: string, opts) => (await actions()).gate({ service, environment, version }, opts));

  const freeze = program.command('freeze').description('freeze forward deploys (rollbacks to the known-good version are never frozen)').addHelpText('after', EXIT_CODES_HELP);
  const who = (c: Command) => c.option('--as <id>', 'who you are (recorded in the audit log)').option('--name <name>', 'display name');
  const json = (c: Command, what: string) => c.option('--json', `print ${what} instead of text`);

  json(
    who(
      freeze
        .command('set')
        .description('freeze a service in an environment for a while')
        .argument('<service>')
        .argument('<environment>')
        .argument('<duration>', 'how long: 30m, 2h, 3d (at most 30d)')
        .requiredOption('-r, --reason <text>', 'why (1–1000 characters)'),
    ),
    'the body of POST /api/freezes',
  ).action(async (service: string, environment: string, duration: string, opts) => (await actions()).freezeSet({ service, environment, duration }, opts));

  json(
    who(freeze.command('lift').description('lift a freeze set by hand before it ends').argument('<freeze_id>').option('-r, --reason <text>', 'why')),
    'the body of POST /api/freezes/{freeze_id}/lift',
  ).action(async (freezeId: string, opts) => (await actions()).freezeLift(freezeId, opts));

  json(freeze.command('list').description('what is frozen now, and why').option('--service <name>').option('--environment <name>'), 'the body of GET /api/freezes').action(
    async (opts) => (await actions()).freezeList(opts),
  );

  const pass = program.command('pass').description('let one version through every freeze: the override role asks with a reason, a second person grants').addHelpText('after', EXIT_CODES_HELP);
  json(
    who(pass.command('request').argument('<service>').argument('<environment>').argument('<version>').requiredOption('-r, --reason <text>', 'why (1–1000 characters)').description('ask for a pass (override role)')),
    'the body of POST /api/gate/passes',
  ).action(async (service: string, environment: string, version: string, opts) => (await actions()).passRequest({ service, environment, version }, opts));
  json(who(pass.command('grant').argument('<pass_id>').description('grant a pass as the second person')), 'the body of POST /api/gate/passes/{pass_id}/grant').action(
    async (passId: string, opts) => (await actions()).passGrant(passId, opts),
  );
}

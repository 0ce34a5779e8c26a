import { Command, CommanderError } from 'commander';
import type { RoleSet } from './roles.ts';
import { registerDiscordCommands } from './cli-discord.ts';
import { registerRollbackCommands } from './cli-rollback.ts';
import { registerGateCommands } from './cli-gate.ts';
import { registerDecisionCommands } from './cli-decision.ts';
import { PACKAGE } from '../core/package-root.ts';

// Every command imports what it needs when it runs: `backstop --help` loads commander alone, a one-shot command such as
// `backstop rollback status` the core and the database, and only the roles load discord.js, Hono, prom-client and
// the BullMQ workers.
const boot = async (name: string) => (await import('./boot.ts')).boot(name);
const adminActions = () => import('./cli-admin-actions.ts');

const program = new Command()
  .name('backstop')
  .description('Guards deployments: records them, watches health, and rolls back — approved, validated, executed once, verified.')
  .version(PACKAGE.version, '-V, --version')
  .showHelpAfterError()
  .exitOverride();

async function runProcess(name: string, roles: RoleSet) {
  // The roles' modules, most of what a start parses, load while the environment and the policy file are read.
  const rolesModule = import('./roles.ts');
  rolesModule.catch(() => undefined);
  const booted = await boot(name);
  const { closeOnSignals, runRoles } = await rolesModule;
  // Signals are handled from the first moment: the API listens before the rest of the roles have started.
  const running = runRoles(booted, roles);
  closeOnSignals(running, booted.logger);
  await running;
}

program
  .command('start')
  .description('run every role in one process (api, worker, and the Discord gateway when DISCORD_TOKEN is set)')
  .action(() => runProcess('start', { api: true, worker: true, gateway: 'if-configured' }));
program.command('api').description('run the HTTP API').action(() => runProcess('api', { api: true, worker: false, gateway: false }));
program.command('worker').description('run the rollback worker and reconciler').action(() => runProcess('worker', { api: false, worker: true, gateway: false }));
program.command('gateway').description('run the Discord gateway (slash commands and buttons)').action(() => runProcess('gateway', { api: false, worker: false, gateway: true }));

program
  .command('demo')
  .description('the sandbox: backstop against its built-in Discord, with a page at http://localhost:3000/sandbox (needs only PostgreSQL and Redis)')
  .action(async () => (await import('./demo.ts')).runDemo(process.env));

program
  .command('migrate')
  .description("create the database DATABASE_URL names if it does not exist, then apply migrations (safe to run from several processes at once); needs no policy file")
  .option('--json', 'print { database, created, applied, total }')
  .action(async (opts: { json?: boolean }) => (await adminActions()).migrate(opts));

program
  .command('config')
  .description('policy file commands')
  .command('check')
  .description('validate the policy file and environment; prints every error with its path')
  .argument('[file]', 'policy file (default: $BACKSTOP_CONFIG or backstop.yaml)')
  .option('--json', 'print { ok, file, errors: [{ line, column, path, message, … }], summary } for scripts and editors')
  .action(async (file: string | undefined, opts: { json?: boolean }) => (await import('./cli-config.ts')).checkConfig(file, opts));

const audit = program.command('audit').description('audit log commands');

audit
  .command('verify')
  .description('check every hash chain of the audit log, from the newest archive on, each chain against its head, and the log against the newest signed checkpoint; needs no policy file')
  .option('--archive <file...>', 'also check these archive files (their sha256 and their chains)')
  .option('--checkpoint <file-or-url>', 'check against the newest signed checkpoint in this file or at this URL (default: $BACKSTOP_AUDIT_CHECKPOINT_FILE or _URL)')
  .option('--public-key <key-or-file>', "the checkpoints' public key (default: $BACKSTOP_AUDIT_PUBLIC_KEY, or the signing key's)")
  .option('--json', 'print the verdict as JSON ({ ok, rows, chains, head, checkpoint, … } or { ok: false, broken_at, problems, … })')
  .addHelpText('after', '\nExit codes: 0 intact, 1 broken (or the check could not run), 2 invalid environment.')
  .action(async (opts: { archive?: string[]; checkpoint?: string; publicKey?: string; json?: boolean }) => (await import('./cli-audit-verify.ts')).auditVerify(opts));

audit
  .command('keygen')
  .description('make an Ed25519 key pair for signed audit checkpoints, printed as environment lines')
  .option('--json', 'print { key_id, private_key, public_key }')
  .action(async (opts: { json?: boolean }) => (await import('./cli-audit-verify.ts')).auditKeygen(opts));

audit
  .command('archive')
  .description('move the rows written before a date out of the live log into a JSON-lines file (recorded, then deleted); needs no policy file')
  .requiredOption('--before <date>', 'archive rows written before this ISO date (2026-01-31 or 2026-01-31T12:00:00Z)')
  .requiredOption('--out <file>', 'the archive file to write (must not hold an archive already)')
  .option('--as <id>', 'who you are (recorded in the audit log)')
  .option('--json', 'print { archived, before, from_id, through_id, file, sha256 }')
  .action(async (opts: { before: string; out: string; as?: string; json?: boolean }) => (await adminActions()).auditArchive(opts));

registerRollbackCommands(program);
registerGateCommands(program);
registerDecisionCommands(program);
registerDiscordCommands(program);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) process.exit(err.exitCode);
  // One line that says what is wrong and what to do (an unreachable, missing or unmigrated database is named with its
  // server), never a stack trace: `backstop start` fails the same way the one-shot commands do.
  const [{ describeFailure }, { parseEnv, DEFAULT_DATABASE_URL }] = await Promise.all([import('../cli/describe-failure.ts'), import('./env.ts')]);
  const env = parseEnv(process.env);
  console.error(describeFailure(err, env.ok ? env.env.DATABASE_URL : DEFAULT_DATABASE_URL));
  process.exit(1);
}

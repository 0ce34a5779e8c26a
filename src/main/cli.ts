import { userInfo } from 'node:os';
import { Command, CommanderError } from 'commander';
import type { RoleSet } from './roles.ts';
import { registerDiscordCommands } from './cli-discord.ts';
import { registerRollbackCommands } from './cli-rollback.ts';
import { PACKAGE } from '../core/package-root.ts';

// Every command imports what it needs when it runs: `backstop --help` loads commander alone, a one-shot command such as
// `backstop rollback status` the core and the database, and only the roles load discord.js, Hono, prom-client and
// the BullMQ workers.
const boot = async (name: string) => (await import('./boot.ts')).boot(name);
const openDatabase = async (url: string, logger: import('../logging/logger.ts').Logger) => (await import('../db/client.ts')).createDatabase(url, logger, { max: 1 });

const program = new Command()
  .name('backstop')
  .description('Guards deployments: records them, watches health, and rolls back — approved, validated, executed once, verified.')
  .version(PACKAGE.version, '-V, --version')
  .showHelpAfterError()
  .exitOverride();

async function runProcess(name: string, roles: RoleSet) {
  const booted = await boot(name);
  const { closeOnSignals, runRoles } = await import('./roles.ts');
  const running = await runRoles(booted, roles);
  closeOnSignals(running, booted.logger);
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
  .description('apply database migrations (safe to run from several processes at once)')
  .action(async () => {
    const { env, logger } = await boot('migrate');
    const database = await openDatabase(env.DATABASE_URL, logger);
    const { runMigrations } = await import('../db/migrate.ts');
    try {
      await runMigrations(database.pool);
      console.log('migrations applied');
    } finally {
      await database.close();
    }
  });

program
  .command('config')
  .description('policy file commands')
  .command('check')
  .description('validate the policy file and environment; prints every error with its path')
  .argument('[file]', 'policy file (default: $BACKSTOP_CONFIG or backstop.yaml)')
  .action(async (file?: string) => (await import('./cli-config.ts')).checkConfig(file));

const audit = program.command('audit').description('audit log commands');

audit
  .command('verify')
  .description('check every hash chain of the audit log, from the newest archive on, and each chain against its head')
  .option('--archive <file...>', 'also check these archive files (their sha256 and their chains)')
  .action(async (opts: { archive?: string[] }) => {
    const { env, logger } = await boot('audit');
    const database = await openDatabase(env.DATABASE_URL, logger);
    const { verifyAuditChain } = await import('../audit/verify-audit.ts');
    try {
      const verdict = await verifyAuditChain(database.db, { archiveFiles: opts.archive ?? [] });
      if (verdict.ok) {
        const archived = verdict.archives ? `, after ${verdict.archivedRows} archived rows (${verdict.archives} archive${verdict.archives === 1 ? '' : 's'})` : '';
        const files = opts.archive?.length ? `; ${opts.archive.length} archive file${opts.archive.length === 1 ? '' : 's'} intact (${verdict.archiveFileRows} rows)` : '';
        console.log(`audit chain intact: ${verdict.rows} rows in ${verdict.chains} chains${archived}${files}; heads ${verdict.head.slice(0, 16)}…`);
      } else {
        console.error(`audit chain BROKEN at row ${verdict.brokenAt}: ${verdict.problem}`);
        for (const p of verdict.problems.slice(1)) console.error(`  also at row ${p.row}: ${p.problem}`);
        if (verdict.moreProblems) console.error(`  … and ${verdict.moreProblems} more`);
        process.exitCode = 1;
      }
    } finally {
      await database.close();
    }
  });

audit
  .command('archive')
  .description('move the rows written before a date out of the live log into a JSON-lines file (recorded, then deleted)')
  .requiredOption('--before <date>', 'archive rows written before this ISO date (2026-01-31 or 2026-01-31T12:00:00Z)')
  .requiredOption('--out <file>', 'the archive file to write (must not hold an archive already)')
  .option('--as <id>', 'who you are (recorded in the audit log)')
  .action(async (opts: { before: string; out: string; as?: string }) => {
    const before = parseIsoDate(opts.before);
    if (!before) {
      console.error(`error: --before: expected an ISO date such as 2026-01-31 or 2026-01-31T12:00:00Z, got "${opts.before}"`);
      process.exitCode = 1;
      return;
    }
    const { env, logger } = await boot('audit');
    const database = await openDatabase(env.DATABASE_URL, logger);
    const { archiveAudit } = await import('../audit/archive-audit.ts');
    try {
      const outcome = await archiveAudit(database.db, { before, out: opts.out, actor: { actor: opts.as ?? `cli:${userInfo().username}`, source: 'cli' } });
      if (outcome.kind === 'nothing') console.log(`nothing to archive: no rows written before ${before.toISOString()}`);
      else console.log(`archived ${outcome.rows} rows (ids ${outcome.fromId + 1}–${outcome.throughId}, written before ${before.toISOString()}) to ${outcome.file}, sha256 ${outcome.sha256}`);
    } finally {
      await database.close();
    }
  });

/** A calendar date or an ISO 8601 date-time; anything else (including a date that does not exist) is null. */
function parseIsoDate(text: string): Date | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,3})?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/.exec(text);
  const date = new Date(text);
  if (!m || Number.isNaN(date.getTime())) return null;
  // new Date() rolls 2026-02-30 over to March; a date that does not exist is a typo.
  const probe = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return probe.getUTCMonth() === Number(m[2]) - 1 && probe.getUTCDate() === Number(m[3]) ? date : null;
}

registerRollbackCommands(program);
registerDiscordCommands(program);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) process.exit(err.exitCode);
  const e = err as { code?: string; message?: string };
  console.error(`error${e.code ? ` (${e.code})` : ''}: ${e.message ?? String(err)}`);
  process.exit(1);
}

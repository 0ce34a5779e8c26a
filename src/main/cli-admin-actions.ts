import { userInfo } from 'node:os';
import { drizzle } from 'drizzle-orm/node-postgres';
import pg from 'pg';
import { archiveAudit } from '../audit/archive-audit.ts';
import { whereIs } from '../cli/describe-failure.ts';
import { EXIT } from '../cli/exit-codes.ts';
import { plural } from '../cli/words.ts';
import type { Db } from '../db/client.ts';
import { runMigrations } from '../db/migrate.ts';
import * as schema from '../db/schema/index.ts';
import { AppError } from '../errors/app-error.ts';
import type { CliReader } from './cli-deps.ts';
import { withReader, type OutputOptions } from './cli-run.ts';
import { parseEnv } from './env.ts';

// `migrate` and `audit`: they work on the database alone, so they never ask for the policy file (a host that keeps
// backups or checks the audit log has database credentials, not necessarily a policy file).

// Changing the schema and archiving (which deletes audit rows) are the owner's: with BACKSTOP_MIGRATION_URL set (a user
// in backstop_owner, docs/database-roles.md) they connect with it; without, DATABASE_URL's user is the owner too.
async function asOwner<T>(reader: CliReader, fn: (conn: { db: Db; pool: pg.Pool; databaseUrl: string }) => Promise<T>): Promise<T> {
  const env = parseEnv(process.env);
  const url = env.ok ? env.env.BACKSTOP_MIGRATION_URL : undefined;
  if (!url) return fn(reader);
  const pool = new pg.Pool({ connectionString: url, max: 2, connectionTimeoutMillis: 3_000 });
  pool.on('error', () => undefined); // a lost idle connection fails the next statement instead of the process
  try {
    return await fn({ db: drizzle(pool, { schema }), pool, databaseUrl: url });
  } finally {
    await pool.end();
  }
}

export const migrate = (opts: OutputOptions) =>
  withReader('migrate', (reader, term) => asOwner(reader, async ({ pool, databaseUrl }) => {
    const outcome = await runMigrations(pool, { createDatabase: true });
    const { database, server } = whereIs(databaseUrl);
    if (opts.json) return void term.json({ database, created: outcome.createdDatabase !== null, applied: outcome.applied, total: outcome.total });
    if (outcome.createdDatabase) term.out.line(`created database "${outcome.createdDatabase}" on ${server}`);
    term.out.line(
      outcome.applied
        ? `applied ${plural(outcome.applied, 'migration')} to "${database}"; it is up to date (${outcome.total} in all)`
        : `"${database}" is up to date (${plural(outcome.total, 'migration')}); nothing to apply`,
    );
  }));

export async function auditArchive(opts: OutputOptions & { before: string; out: string; as?: string }): Promise<void> {
  // Checked before anything is opened: a typo in the date needs no database to be pointed out.
  const before = parseIsoDate(opts.before);
  if (!before) {
    console.error(`error: --before: expected an ISO date such as 2026-01-31 or 2026-01-31T12:00:00Z, got "${opts.before}"`);
    process.exitCode = EXIT.ERROR;
    return;
  }
  await withReader('audit', (reader, term) => asOwner(reader, async ({ db, pool }) => {
    await refuseWithoutDeleteRights(pool);
    const outcome = await archiveAudit(db, { before, out: opts.out, actor: { actor: opts.as ?? `cli:${userInfo().username}`, source: 'cli' } });
    if (opts.json) {
      term.json(
        outcome.kind === 'nothing'
          ? { archived: 0, before: before.toISOString() }
          : { archived: outcome.rows, before: before.toISOString(), from_id: outcome.fromId + 1, through_id: outcome.throughId, file: outcome.file, sha256: outcome.sha256 },
      );
    } else if (outcome.kind === 'nothing') term.out.line(`nothing to archive: no rows written before ${before.toISOString()}`);
    else term.out.line(`archived ${outcome.rows} rows (ids ${outcome.fromId + 1}–${outcome.throughId}, written before ${before.toISOString()}) to ${outcome.file}, sha256 ${outcome.sha256}`);
  }));
}

/**
 * Archiving deletes the rows it moved out, which backstop_runtime may not do (the audit log is append-only for it).
 * Asked before any file is written, so a runtime user gets one sentence rather than a half-written archive.
 */
async function refuseWithoutDeleteRights(pool: pg.Pool): Promise<void> {
  const { rows } = await pool.query<{ ok: boolean; user: string }>(
    `select has_table_privilege('ops.audit_log', 'DELETE') and has_table_privilege('ops.audit_archives', 'INSERT') as ok, current_user as user`,
  );
  if (rows[0]?.ok) return;
  throw new AppError(
    'FORBIDDEN',
    `${rows[0]?.user ?? 'this user'} may not delete rows from ops.audit_log: archiving is the owner's job, so run \`backstop audit archive\` with BACKSTOP_MIGRATION_URL set to a user in backstop_owner`,
  );
}

/** A calendar date or an ISO 8601 date-time; anything else (including a date that does not exist) is null. */
function parseIsoDate(text: string): Date | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,3})?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/.exec(text);
  const date = new Date(text);
  if (!m || Number.isNaN(date.getTime())) return null;
  // new Date() rolls 2026-02-30 over to March; a date that does not exist is a typo.
  const probe = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return probe.getUTCMonth() === Number(m[2]) - 1 && probe.getUTCDate() === Number(m[3]) ? date : null;
}

import { userInfo } from 'node:os';
import { archiveAudit } from '../audit/archive-audit.ts';
import { verifyAuditChain } from '../audit/verify-audit.ts';
import { whereIs } from '../cli/describe-failure.ts';
import { EXIT } from '../cli/exit-codes.ts';
import { plural } from '../cli/words.ts';
import { runMigrations } from '../db/migrate.ts';
import { withReader, type OutputOptions } from './cli-run.ts';

// `migrate` and `audit`: they work on the database alone, so they never ask for the policy file (a host that keeps
// backups or checks the audit log has database credentials, not necessarily a policy file).

export const migrate = (opts: OutputOptions) =>
  withReader('migrate', async ({ pool, databaseUrl }, term) => {
    const outcome = await runMigrations(pool, { createDatabase: true });
    const { database, server } = whereIs(databaseUrl);
    if (opts.json) return void term.json({ database, created: outcome.createdDatabase !== null, applied: outcome.applied, total: outcome.total });
    if (outcome.createdDatabase) term.out.line(`created database "${outcome.createdDatabase}" on ${server}`);
    term.out.line(
      outcome.applied
        ? `applied ${plural(outcome.applied, 'migration')} to "${database}"; it is up to date (${outcome.total} in all)`
        : `"${database}" is up to date (${plural(outcome.total, 'migration')}); nothing to apply`,
    );
  });

export const auditVerify = (opts: OutputOptions & { archive?: string[] }) =>
  withReader('audit', async ({ db }, term) => {
    const files = opts.archive ?? [];
    const verdict = await verifyAuditChain(db, { archiveFiles: files });
    if (opts.json) {
      term.json(
        verdict.ok
          ? { ok: true, rows: verdict.rows, chains: verdict.chains, archives: verdict.archives, archived_rows: verdict.archivedRows, archive_files: files.length, archive_file_rows: verdict.archiveFileRows, head: verdict.head }
          : { ok: false, rows: verdict.rows, broken_at: verdict.brokenAt, problem: verdict.problem, problems: verdict.problems, more_problems: verdict.moreProblems },
      );
      return verdict.ok ? EXIT.OK : EXIT.ERROR;
    }
    if (verdict.ok) {
      const archived = verdict.archives ? `, after ${verdict.archivedRows} archived rows (${plural(verdict.archives, 'archive')})` : '';
      const checked = files.length ? `; ${plural(files.length, 'archive file')} intact (${verdict.archiveFileRows} rows)` : '';
      term.out.line(`audit chain intact: ${verdict.rows} rows in ${verdict.chains} chains${archived}${checked}; heads ${verdict.head.slice(0, 16)}…`);
      return EXIT.OK;
    }
    term.err.line(`audit chain BROKEN at row ${verdict.brokenAt}: ${verdict.problem}`);
    for (const p of verdict.problems.slice(1)) term.err.line(`  also at row ${p.row}: ${p.problem}`);
    if (verdict.moreProblems) term.err.line(`  … and ${verdict.moreProblems} more`);
    return EXIT.ERROR;
  });

export async function auditArchive(opts: OutputOptions & { before: string; out: string; as?: string }): Promise<void> {
  // Checked before anything is opened: a typo in the date needs no database to be pointed out.
  const before = parseIsoDate(opts.before);
  if (!before) {
    console.error(`error: --before: expected an ISO date such as 2026-01-31 or 2026-01-31T12:00:00Z, got "${opts.before}"`);
    process.exitCode = EXIT.ERROR;
    return;
  }
  await withReader('audit', async ({ db }, term) => {
    const outcome = await archiveAudit(db, { before, out: opts.out, actor: { actor: opts.as ?? `cli:${userInfo().username}`, source: 'cli' } });
    if (opts.json) {
      term.json(
        outcome.kind === 'nothing'
          ? { archived: 0, before: before.toISOString() }
          : { archived: outcome.rows, before: before.toISOString(), from_id: outcome.fromId + 1, through_id: outcome.throughId, file: outcome.file, sha256: outcome.sha256 },
      );
    } else if (outcome.kind === 'nothing') term.out.line(`nothing to archive: no rows written before ${before.toISOString()}`);
    else term.out.line(`archived ${outcome.rows} rows (ids ${outcome.fromId + 1}–${outcome.throughId}, written before ${before.toISOString()}) to ${outcome.file}, sha256 ${outcome.sha256}`);
  });
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

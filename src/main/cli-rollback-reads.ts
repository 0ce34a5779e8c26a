import { approvalStateOf } from '../admission/approval-state.ts';
import { voteOf } from '../admission/record-vote.ts';
import { requireUuid } from '../admission/validate-input.ts';
import { formatCheck } from '../cli/check-verdict.ts';
import { formatHistory } from '../cli/history-table.ts';
import { formatStatus } from '../cli/status-block.ts';
import { formatIssues } from '../config/format-issues.ts';
import { getDeployment } from '../db/queries/deployments.ts';
import { findHistory, findVotes, getEvent } from '../db/queries/rollback-events.ts';
import { AppError } from '../errors/app-error.ts';
import { HistoryQuery } from '../http/schemas.ts';
import { checkDeployment } from '../views/check-deployment.ts';
import { buildEvidence } from '../views/evidence.ts';
import { decodeCursor, encodeCursor, eventDetail, historyItem } from '../views/rollback-views.ts';
import { parseTimeout, waitForRollback, withCore, withReader, type OutputOptions, type WaitOptions } from './cli-run.ts';

// What the rollback reads do. --json prints the body the HTTP API returns for the same question, built by the same
// views (src/views/), so the CLI, the API and Discord never disagree; without it, the same data for people.

export const status = (raw: string, opts: WaitOptions) =>
  withReader('cli', async ({ db, clock }, term) => {
    const eventId = requireUuid(raw, 'event_id');
    const timeoutMs = parseTimeout(opts.timeout);
    const event = await getEvent(db, eventId);
    if (!event) throw new AppError('NOT_FOUND', `rollback ${eventId} not found`);
    if (opts.wait) return waitForRollback(db, eventId, { ...opts, timeoutMs }, term);
    const votes = await findVotes(db, eventId);
    const detail = eventDetail(event, votes);
    if (opts.json) term.json(detail);
    else term.out.line(formatStatus(detail, approvalStateOf(event, votes.map(voteOf), clock()), term.out, clock()));
  });

export const history = (opts: OutputOptions & { service?: string; environment?: string; status?: string; limit: string; cursor?: string }) =>
  withReader('cli', async ({ db, clock }, term) => {
    // The API's own query schema: the same limits and the same words for a bad value.
    const parsed = HistoryQuery.safeParse({ limit: opts.limit, service: opts.service, environment: opts.environment, status: opts.status, cursor: opts.cursor });
    if (!parsed.success) throw new AppError('VALIDATION_FAILED', formatIssues(parsed.error).map((e) => `--${e.path}: ${e.message}`).join('; '));
    const query = parsed.data;
    const cursor = query.cursor ? decodeCursor(query.cursor) : undefined;
    if (cursor === null) throw new AppError('VALIDATION_FAILED', '--cursor: not a cursor returned by backstop');
    const rows = await findHistory(db, { ...query, cursor });
    const last = rows.at(-1);
    const nextCursor = rows.length === query.limit && last ? encodeCursor(last) : null;
    // The body of GET /api/rollbacks (and /auto-rollback/history).
    if (opts.json) return void term.json({ rollbacks: rows.map(historyItem), next_cursor: nextCursor });
    if (rows.length === 0) return void term.out.line(`no rollbacks${describeFilter(opts) ? ` (${describeFilter(opts)})` : ''}`);
    const lines = rows.map((row) => ({ item: historyItem(row), fromVersion: row.rollbackPlan?.from.version ?? null, toVersion: row.rollbackPlan?.target?.version ?? null }));
    term.out.line(formatHistory(lines, term.out, clock()));
    if (nextCursor) term.out.line(term.out.color.dim(`older: --cursor ${nextCursor}`));
  });

const describeFilter = (opts: { service?: string; environment?: string; status?: string }) =>
  [opts.service && `service ${opts.service}`, opts.environment && `environment ${opts.environment}`, opts.status && `status ${opts.status}`].filter(Boolean).join(', ');

// The health check needs the policy file: its rules and sources are what the assessment reads.
export const check = (raw: string, opts: OutputOptions) =>
  withCore('cli', async (deps, term) => {
    const result = await checkDeployment(deps, raw);
    if (opts.json) return void term.json(result);
    const deployment = (await getDeployment(deps.db, requireUuid(raw, 'deployment_id')))!;
    term.out.line(formatCheck(result, deployment, term.out));
  });

/**
 * The evidence bundle stays JSON with or without --json: it is an artifact made to be kept in a file or a ticket
 * (`> evidence.json`), and `rollback status` is its summary for people.
 */
export const evidence = (eventId: string) => withReader('cli', async ({ db }, term) => term.json(await buildEvidence(db, eventId)));

import { setTimeout as delay } from 'node:timers/promises';
import { approvalStateOf, loadVotes } from '../admission/approval-state.ts';
import { describeFailure } from '../cli/describe-failure.ts';
import { EXIT } from '../cli/exit-codes.ts';
import { followRollback, clockLabel } from '../cli/follow-rollback.ts';
import type { Progress } from '../cli/progress.ts';
import { createTerminal, type Terminal } from '../cli/terminal.ts';
import { parseDuration } from '../config/duration.ts';
import type { Db } from '../db/client.ts';
import { findVotes, getEvent } from '../db/queries/rollback-events.ts';
import { AppError } from '../errors/app-error.ts';
import { eventDetail } from '../views/rollback-views.ts';
import { boot, bootEnv } from './boot.ts';
import { createCliDeps, createCliReader, type CliDeps, type CliReader } from './cli-deps.ts';

// How one CLI command runs: its deps, its terminal, the one place its errors become a line and an exit code, and
// --wait. Loaded only when a command runs.

export interface OutputOptions {
  json?: boolean;
}

export interface WaitOptions extends OutputOptions {
  wait?: boolean;
  timeout?: string;
}

const terminal = (): Terminal => createTerminal({ stdout: process.stdout, stderr: process.stderr, env: process.env });

/** Runs a command that needs the policy file (requests, decisions, the health check). */
export async function withCore(name: string, fn: (deps: CliDeps, term: Terminal) => Promise<number | void>): Promise<void> {
  const booted = await boot(name, { oneShot: true });
  const deps = createCliDeps(booted);
  await runReporting(booted.env.DATABASE_URL, () => fn(deps, terminal()), () => deps.close());
}

/** Runs a command that only reads the database: no policy file is asked for. */
export async function withReader(name: string, fn: (reader: CliReader, term: Terminal) => Promise<number | void>): Promise<void> {
  const booted = bootEnv(name, { oneShot: true });
  const reader = createCliReader(booted);
  await runReporting(booted.env.DATABASE_URL, () => fn(reader, terminal()), () => reader.close());
}

async function runReporting(databaseUrl: string, fn: () => Promise<number | void>, close: () => Promise<void>): Promise<void> {
  try {
    process.exitCode = (await fn()) ?? EXIT.OK;
  } catch (err) {
    console.error(describeFailure(err, databaseUrl));
    process.exitCode = EXIT.ERROR;
  } finally {
    await close().catch(() => undefined);
  }
}

/** --timeout, read before anything is done so a typo never leaves a request made and its follow-up refused. */
export function parseTimeout(text: string | undefined): number | null {
  if (text === undefined) return null;
  const ms = parseDuration(text);
  if (ms === undefined || ms <= 0) throw new AppError('VALIDATION_FAILED', `--timeout: expected a duration such as 90s, 10m or 1h, got "${text}"`);
  return ms;
}

const POLL_INTERVAL_MS = 250;
const IDLE_HINT_MS = 15_000;

async function readProgress(db: Db, eventId: string, now: Date): Promise<Progress> {
  const event = await getEvent(db, eventId);
  if (!event) throw new AppError('NOT_FOUND', `rollback ${eventId} not found`);
  const approval = approvalStateOf(event, await loadVotes(db, eventId), now);
  return { status: event.status, statusReason: event.statusReason, steps: event.rollbackSteps, approval };
}

/**
 * --wait: follows the rollback in the database until it ends, and answers with its outcome as an exit code. Waiting
 * for approvals is part of it (an on-call engineer who asked wants to see it through; the approval window bounds it).
 * With --json, progress goes to stderr and the final `status --json` body to stdout.
 */
export async function waitForRollback(db: Db, eventId: string, opts: WaitOptions & { timeoutMs: number | null }, term: Terminal): Promise<number> {
  const screen = opts.json ? term.err : term.out;
  const c = screen.color;
  screen.line(c.dim(`following rollback ${eventId}; Ctrl-C stops following, not the rollback`));
  const abort = new AbortController();
  const stop = () => abort.abort();
  process.once('SIGINT', stop);
  let end;
  try {
    end = await followRollback(
      {
        read: () => readProgress(db, eventId, new Date()),
        now: () => performance.now(),
        sleep: (ms, signal) => delay(ms, undefined, { signal }).catch(() => undefined),
        screen,
        signal: abort.signal,
      },
      { timeoutMs: opts.timeoutMs, intervalMs: POLL_INTERVAL_MS, idleHintMs: IDLE_HINT_MS },
    );
  } finally {
    process.off('SIGINT', stop);
  }
  const again = `\`backstop rollback status ${eventId} --wait\` follows it again`;
  const { status } = end.progress;
  if (end.kind === 'interrupted') screen.line(`stopped following after ${clockLabel(end.elapsedMs)}; the rollback goes on (now ${status}): ${again}`);
  else if (end.kind === 'timeout') screen.line(c.yellow(`timed out after ${clockLabel(end.elapsedMs)} with the rollback ${status}; it goes on: ${again}`));
  else if (status !== 'succeeded') screen.line(`details: \`backstop rollback status ${eventId}\``);
  if (opts.json) {
    const event = await getEvent(db, eventId);
    if (event) term.json(eventDetail(event, await findVotes(db, eventId)));
  }
  if (end.kind === 'interrupted') return EXIT.INTERRUPTED;
  if (end.kind === 'timeout') return EXIT.TIMEOUT;
  return status === 'succeeded' ? EXIT.OK : EXIT.NOT_SUCCEEDED;
}

import { isFinal } from '../db/queries/rollback-events.ts';
import { isDatabaseUnavailable } from '../errors/infra.ts';
import { describeChanges, type Progress } from './progress.ts';
import type { Screen } from './terminal.ts';
import { formatMs } from './words.ts';

export interface FollowDeps {
  /** The rollback as stored now. The database is the source of truth: the worker writes every step there first. */
  read(): Promise<Progress>;
  /** Milliseconds on a monotonic clock. */
  now(): number;
  /** Resolves after `ms`, or early when `signal` aborts. */
  sleep(ms: number, signal: AbortSignal): Promise<void>;
  screen: Screen;
  /** Aborted by Ctrl-C: stop following (the rollback itself goes on). */
  signal: AbortSignal;
}

export interface FollowOptions {
  /** Give up following after this long (null: until the rollback ends). */
  timeoutMs: number | null;
  intervalMs: number;
  /** Say once that no worker seems to be running when an approved rollback waits this long. */
  idleHintMs: number;
}

export type FollowEnd = { kind: 'final' | 'timeout' | 'interrupted'; progress: Progress; elapsedMs: number };

const SPINNER = '⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏';
const WAITING_FOR_WORKER = new Set(['approved', 'queued']);

/**
 * Follows one rollback until it ends, printing each change as a line with the time since following began. On a
 * terminal one status line below them is redrawn in place with the elapsed time; piped, only the change lines appear.
 */
export async function followRollback(deps: FollowDeps, options: FollowOptions): Promise<FollowEnd> {
  const { screen } = deps;
  const c = screen.color;
  const started = deps.now();
  const elapsed = () => deps.now() - started;
  const say = (text: string) => screen.line(`${c.dim(clockLabel(elapsed()).padStart(6))}  ${text}`);
  let prev: Progress | null = null;
  let waitingSince: number | null = null;
  let hinted = false;
  let databaseLost = false;
  for (let tick = 0; ; tick++) {
    let next: Progress;
    try {
      next = await deps.read();
      if (databaseLost) say('the database answers again');
      databaseLost = false;
    } catch (err) {
      // A PostgreSQL restart mid-rollback is no reason to stop watching: the rollback waits for it too.
      if (!isDatabaseUnavailable(err) || !prev) throw err;
      if (!databaseLost) say(c.yellow('cannot reach the database; still trying'));
      databaseLost = true;
      next = prev;
    }
    for (const line of describeChanges(prev, next, c)) say(line);
    if (isFinal(next.status)) {
      screen.redraw('');
      return { kind: 'final', progress: next, elapsedMs: elapsed() };
    }
    waitingSince = WAITING_FOR_WORKER.has(next.status) ? (waitingSince ?? deps.now()) : null;
    if (!hinted && waitingSince !== null && deps.now() - waitingSince >= options.idleHintMs) {
      hinted = true;
      say(c.yellow(`no worker has taken it in ${formatMs(deps.now() - waitingSince)}: is \`backstop worker\` or \`backstop start\` running with this DATABASE_URL and BACKSTOP_QUEUE_PREFIX?`));
    }
    prev = next;
    screen.redraw(c.dim(`${SPINNER[tick % SPINNER.length]} ${liveText(next)} · ${clockLabel(elapsed())} elapsed`));
    const left = options.timeoutMs === null ? Infinity : options.timeoutMs - elapsed();
    if (left <= 0) return end('timeout');
    await deps.sleep(Math.min(options.intervalMs, left), deps.signal);
    if (deps.signal.aborted) return end('interrupted');
  }

  function end(kind: 'timeout' | 'interrupted'): FollowEnd {
    screen.redraw('');
    return { kind, progress: prev!, elapsedMs: elapsed() };
  }
}

function liveText(p: Progress): string {
  const running = p.steps.find((s) => s.status === 'running');
  return running ? `${p.status} · ${running.step}` : p.status;
}

/** Elapsed time as a clock reads it: "4.2s", "2m03s", "1h02m". */
export function clockLabel(ms: number): string {
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  const s = Math.floor(ms / 1000);
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

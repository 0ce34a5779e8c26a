import type { AuditEntry } from '../audit/append-audit.ts';
import type { Logger } from '../logging/logger.ts';
import type { ApiRefusalMetrics } from '../metrics/api-refusal-metrics.ts';
import type { Lockout } from './auth-brake.ts';
import { sourceKey } from './source-address.ts';

/** How many refusals are written one by one: per source (an IPv6 /64), per window; the rest go into one summary row. */
export const REFUSAL_AUDIT_DEFAULTS = {
  rowsPerSource: 10,
  windowMs: 60_000,
  /** Sources with an open window at once; the oldest window is closed (its summary written) to make room. */
  maxSources: 10_000,
  /** Rows waiting for the writer at most; past that they are counted and logged at warn, never dropped silently. */
  maxQueued: 10_000,
  /** Rows per transaction: appendAuditBatch writes any number in two statements. */
  batchSize: 500,
};

export type RefusalAuditOptions = typeof REFUSAL_AUDIT_DEFAULTS;

/** A 401 or a 403: what the refusal's audit row says. Never the token, the Authorization header or the body. */
export interface Refusal {
  reason: 'unauthorized' | 'forbidden';
  /** Why, in words backstop chose (not the error message, which can quote what the body asked for). */
  why: string;
  method: string;
  /** The route's path template ('/api/rollbacks/{event_id}'), not the path with its ids. */
  route: string;
  source: string;
  /** The token's name in the policy file, when the token was one backstop knows. */
  tokenName?: string | undefined;
}

export interface RefusalAudit {
  /** Counts a refusal and queues its audit row, or folds it into its source's summary; returns at once. */
  refused(refusal: Refusal): void;
  /** Counts and audits a lockout the brake began (the brake reports each lockout once). */
  lockedOut(lockout: Lockout): void;
  /** Counts a call refused with 429 during a lockout: the lockout's own row stands for all of them. */
  rateLimited(): void;
  /** Writes every summary owed now and waits for every queued row: for shutdown, and for tests. */
  flush(): Promise<void>;
}

interface Window {
  /** The address last refused in it, as the summary names it. */
  source: string;
  startedAt: number;
  written: number;
  suppressed: { unauthorized: number; forbidden: number };
}

/**
 * The API's refusals in the audit log, without letting a flood fill the table or hold up the answer. Kept in memory,
 * per process (a restart closes no window: refusals already folded into a summary not yet written are lost from the
 * log then, though counted in backstop_api_refusals_total). Rows go to chain 0 (no subject) through one writer, a batch
 * at a time: a flood of refusals holds one chain head for one short transaction at a time, and one pool connection.
 */
export function createRefusalAudit(
  deps: { write: (entries: AuditEntry[]) => Promise<void>; logger: Logger; metrics: ApiRefusalMetrics; clock: () => Date },
  options: Partial<RefusalAuditOptions> = {},
): RefusalAudit {
  const o = { ...REFUSAL_AUDIT_DEFAULTS, ...options };
  const windows = new Map<string, Window>();
  const queue: AuditEntry[] = [];
  let overflow = 0;
  let writing: Promise<void> | null = null;
  let sweep: ReturnType<typeof setTimeout> | null = null;

  async function drain(): Promise<void> {
    while (queue.length > 0) {
      const batch = queue.splice(0, o.batchSize);
      try {
        await deps.write(batch);
      } catch (err) {
        deps.logger.warn({ err, rows: batch.length }, 'could not write refusal audit rows; the refusals are still counted in backstop_api_refusals_total');
      }
    }
    writing = null;
  }

  function enqueue(entry: AuditEntry): void {
    if (queue.length >= o.maxQueued) {
      if (overflow++ === 0) deps.logger.warn({ queued: queue.length }, 'refusal audit rows are coming faster than they can be written; counting the rest');
      return;
    }
    if (overflow > 0) {
      deps.logger.warn({ rows: overflow }, 'refusal audit rows were not written: the queue was full');
      overflow = 0;
    }
    queue.push({ ...entry, at: deps.clock() });
    writing ??= drain();
  }

  function close(key: string, w: Window, now: number): void {
    windows.delete(key);
    const n = w.suppressed.unauthorized + w.suppressed.forbidden;
    if (n === 0) return;
    const seconds = Math.round((now - w.startedAt) / 1000);
    enqueue({
      actor: 'backstop',
      source: 'api',
      action: 'api.refused',
      result: 'summary',
      severity: 'warning',
      reason: `${n} more refusals from ${w.source} in the last ${seconds} s were not written one by one`,
      details: { source: w.source, count: n, by_reason: { ...w.suppressed }, window_started_at: new Date(w.startedAt).toISOString() },
    });
  }

  // Summaries of windows nobody writes into again, once the window has closed; the timer does not keep the process up.
  function armSweep(): void {
    if (sweep) return;
    sweep = setTimeout(() => {
      sweep = null;
      const now = deps.clock().getTime();
      for (const [key, w] of windows) if (now - w.startedAt >= o.windowMs) close(key, w, now);
      if ([...windows.values()].some((w) => w.suppressed.unauthorized + w.suppressed.forbidden > 0)) armSweep();
    }, o.windowMs);
    sweep.unref();
  }

  return {
    refused(r) {
      deps.metrics.refused(r.reason);
      const now = deps.clock().getTime();
      const key = sourceKey(r.source);
      let w = windows.get(key);
      if (w && now - w.startedAt >= o.windowMs) {
        close(key, w, now);
        w = undefined;
      }
      if (!w) {
        if (windows.size >= o.maxSources) {
          const [oldestKey, oldest] = windows.entries().next().value!;
          close(oldestKey, oldest, now);
        }
        w = { source: r.source, startedAt: now, written: 0, suppressed: { unauthorized: 0, forbidden: 0 } };
        windows.set(key, w);
      }
      w.source = r.source;
      if (w.written < o.rowsPerSource) {
        w.written++;
        enqueue({
          actor: r.tokenName ?? 'anonymous',
          source: 'api',
          action: 'api.refused',
          result: r.reason,
          severity: 'warning',
          reason: r.why,
          details: { method: r.method, route: r.route, source: r.source, ...(r.tokenName ? { token: r.tokenName } : {}) },
        });
        return;
      }
      w.suppressed[r.reason]++;
      armSweep();
    },
    lockedOut(lockout) {
      deps.metrics.lockedOut();
      const seconds = Math.round(lockout.lockoutMs / 1000);
      enqueue({
        actor: 'backstop',
        source: 'api',
        action: 'api.lockout',
        result: 'locked_out',
        severity: 'warning',
        reason: `${lockout.failures} unknown tokens from ${lockout.source}: every call with a token from it is refused for ${seconds} s`,
        details: { source: lockout.source, failures: lockout.failures, lockout_seconds: seconds, strike: lockout.strike, until: lockout.until.toISOString() },
      });
    },
    rateLimited: () => deps.metrics.refused('rate_limited'),
    async flush() {
      const now = deps.clock().getTime();
      for (const [key, w] of windows) close(key, w, now);
      if (sweep) clearTimeout(sweep);
      sweep = null;
      while (writing) await writing;
    },
  };
}

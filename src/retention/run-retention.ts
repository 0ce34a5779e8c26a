import { drizzle } from 'drizzle-orm/node-postgres';
import type pg from 'pg';
import type { RetentionPolicy } from '../config/schema.ts';
import * as schema from '../db/schema/index.ts';
import type { Logger } from '../logging/logger.ts';
import { expireDecisions, type DecisionsExpiry } from './expire-decisions.ts';
import { expireSamples, type SamplesExpiry } from './expire-samples.ts';

export interface RetentionDeps {
  pool: pg.Pool;
  logger: Logger;
  clock: () => Date;
  retention: RetentionPolicy;
  /** Stops the run between steps (shutdown); what is left waits for the next run. */
  signal?: AbortSignal;
  /** Rows per statement: small enough that each batch is a short transaction. */
  batchSize?: number;
  /** Day partitions kept ready after today: inserts never wait on DDL, and a worker may be down that long. */
  aheadDays?: number;
}

export type RetentionReport =
  | { ran: false; reason: string }
  | {
      ran: true;
      cutoffs: { healthSamples: string; healthDecisions: string };
      samples: SamplesExpiry;
      decisions: DecisionsExpiry;
      ms: number;
    };

const BATCH_SIZE = 5_000;
const AHEAD_DAYS = 3;
// Held for the whole run, so at most one run at a time across every worker; it dies with the session.
const LOCK_KEY = 'backstop:retention';

/** One retention run: expired health samples and decisions go, day partitions are made ready. Returns what it did. */
export async function runRetention(deps: RetentionDeps): Promise<RetentionReport> {
  const started = performance.now();
  const client = await deps.pool.connect();
  let broken: Error | undefined;
  // Checked out for the whole run: a connection lost while idle between statements must not be an unhandled 'error'.
  const onError = (err: Error) => (broken = err);
  client.on('error', onError);
  try {
    const lock = await client.query<{ locked: boolean }>('select pg_try_advisory_lock(hashtextextended($1, 0)) as locked', [LOCK_KEY]);
    if (!lock.rows[0]?.locked) {
      deps.logger.info('retention: another run is in progress; skipped');
      return { ran: false, reason: 'another run is in progress' };
    }
    try {
      const db = drizzle(client, { schema });
      const now = deps.clock();
      const samplesCutoff = new Date(now.getTime() - deps.retention.health_samples);
      const decisionsCutoff = new Date(now.getTime() - deps.retention.health_decisions);
      const batchSize = deps.batchSize ?? BATCH_SIZE;
      const samples = await expireSamples(db, { now, cutoff: samplesCutoff, aheadDays: deps.aheadDays ?? AHEAD_DAYS, batchSize, signal: deps.signal });
      const decisions = await expireDecisions(db, { cutoff: decisionsCutoff, batchSize, signal: deps.signal });
      const report: RetentionReport = {
        ran: true,
        cutoffs: { healthSamples: samplesCutoff.toISOString(), healthDecisions: decisionsCutoff.toISOString() },
        samples,
        decisions,
        ms: Math.round(performance.now() - started),
      };
      deps.logger.info({ ...report }, 'retention run');
      return report;
    } finally {
      await client.query('select pg_advisory_unlock(hashtextextended($1, 0))', [LOCK_KEY]).catch((err: Error) => (broken = err));
    }
  } catch (err) {
    broken = err as Error;
    throw err;
  } finally {
    client.off('error', onError);
    // A connection that failed is destroyed rather than returned to the pool.
    client.release(broken);
  }
}

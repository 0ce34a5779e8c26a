import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.ts';
import { createDatabase, type Database } from '../../src/db/client.ts';
import { readPushedObservations } from '../../src/health/pushed-observations.ts';
import { createLogger } from '../../src/logging/logger.ts';
import { policyWith, ran, retentionOf } from '../support/retention-policy.ts';
import { RETENTION_QUEUE } from '../../src/retention/retention-worker.ts';
import { ensureDayPartitions } from '../../src/retention/partitions.ts';
import { runRetention } from '../../src/retention/run-retention.ts';
import { startBackstop, waitFor } from '../support/harness.ts';
import { countStatements } from '../support/statement-counter.ts';
import { REDIS_URL } from '../support/pg-admin.ts';
import { createTestDatabase, type TestDatabase } from '../support/test-db.ts';

// Retention: the policy setting, ops.health_samples expiring a UTC day partition at a time, and the BullMQ job that
// runs it (health decisions: retention-decisions.test.ts). Against real PostgreSQL and Redis, with the policy file
// written the way a user writes it.

const DAY = 24 * 3_600_000;
const HOUR = 3_600_000;
const logger = createLogger({ level: 'silent' });
const dayName = (at: Date | number) => `health_samples_${new Date(at).toISOString().slice(0, 10).replaceAll('-', '')}`;
const utcMidnight = (at: number) => Math.floor(at / DAY) * DAY;

async function withDatabase(): Promise<{ tdb: TestDatabase; database: Database; pool: pg.Pool; close(): Promise<void> }> {
  const tdb = await createTestDatabase();
  const database = createDatabase(tdb.url, logger, { max: 4 });
  return { tdb, database, pool: database.pool, close: async () => (await database.close(), await tdb.drop()) };
}

async function insertDeployment(pool: pg.Pool, service = 'payments'): Promise<string> {
  const { rows } = await pool.query(`insert into ops.deployments (service, environment, version, git_commit) values ($1, 'production', 'v1', 'abc1234') returning deployment_id`, [service]);
  return rows[0].deployment_id as string;
}

/** A pool of its own; the forced drop of its database may reach a client still closing, whose 57P01 is expected. */
function poolFor(tdb: TestDatabase, max: number): pg.Pool {
  const pool = new pg.Pool({ connectionString: tdb.url, max });
  pool.on('error', () => undefined);
  pool.on('connect', (client) => client.on('error', () => undefined));
  return pool;
}

const partitionsOf = async (pool: pg.Pool) =>
  (await pool.query(`select c.relname from pg_inherits i join pg_class c on c.oid = i.inhrelid where i.inhparent = 'ops.health_samples'::regclass order by 1`)).rows.map((r) => r.relname as string);

describe('the retention setting', () => {
  it('reads the policy file as a user writes it, with 30 days and an hourly run by default', () => {
    expect(retentionOf('retention:\n  health_samples: 14d\n')).toEqual({ health_samples: 14 * DAY, health_decisions: 30 * DAY, every: HOUR });
    expect(retentionOf('retention: { health_samples: 720h, health_decisions: 90d, every: 30m }\n')).toEqual({ health_samples: 30 * DAY, health_decisions: 90 * DAY, every: 30 * 60_000 });
    expect(retentionOf('')).toEqual({ health_samples: 30 * DAY, health_decisions: 30 * DAY, every: HOUR });
  });

  it('refuses a setting it cannot honour, naming the path', () => {
    const errorsOf = (yaml: string) => {
      const parsed = parseConfig(policyWith(yaml));
      return parsed.ok ? [] : parsed.errors;
    };
    expect(errorsOf('retention: { health_samples: 12h }\n')).toEqual([{ path: 'retention.health_samples', message: 'expected at least 1d' }]);
    expect(errorsOf('retention: { health_decisions: 30 days }\n')).toEqual([{ path: 'retention.health_decisions', message: 'expected a period such as 30d, 14d or 720h, got "30 days"' }]);
    expect(errorsOf('retention: { health_samples: 30 }\n')).toEqual([{ path: 'retention.health_samples', message: 'expected a period such as 30d, 14d or 720h, got 30 without a unit' }]);
    expect(errorsOf('retention: { samples: 14d }\n')).toEqual([{ path: 'retention', message: 'unknown key "samples"' }]);
    expect(errorsOf('retention: { every: 10s }\n')).toEqual([{ path: 'retention.every', message: 'expected at least 1m' }]);
    // A decision kept for less than the recheck looks for it would have a rollback rechecked, and paged, twice.
    expect(errorsOf('retention: { health_decisions: 1d }\n')).toEqual([
      { path: 'retention.health_decisions', message: "expected more than 1d plus monitoring.recheck_after (15m): a rollback's recheck decision must outlive the day it is looked for" },
    ]);
  });
});

describe('health samples, partitioned by day', () => {
  const retention = retentionOf('retention:\n  health_samples: 14d\n');

  it('land in the partition of their day over 40 days of runs, and the run drops the partitions older than 14 days', async () => {
    const db = await withDatabase();
    try {
      const dep = await insertDeployment(db.pool);
      // Midday, so that each run's samples (up to two minutes before it) are of the run's own day: run just after
      // midnight, the first run's would be of a day 41 days ago, whose partition no run makes.
      const now = utcMidnight(Date.now()) + DAY / 2;
      // A run a day, as the scheduler would, then that day's samples: each lands in its own day's partition.
      for (let d = 40; d >= 0; d--) {
        const at = now - d * DAY;
        ran(await runRetention({ pool: db.pool, logger, clock: () => new Date(at), retention }));
        for (let k = 0; k < 3; k++) {
          const { rows } = await db.pool.query(
            `insert into ops.health_samples (deployment_id, source, observed_at, error_rate_per_minute) values ($1, 'push', $2, $3) returning tableoid::regclass::text as part`,
            [dep, new Date(at - k * 60_000), d + k / 10],
          );
          expect(rows[0].part).toBe(`ops_partitions.${dayName(at - k * 60_000)}`);
        }
      }
      const cutoff = now - 14 * DAY;
      const kept = (await db.pool.query(`select count(*)::int as n from ops.health_samples where observed_at >= $1`, [new Date(utcMidnight(cutoff))])).rows[0].n as number;
      const report = ran(await runRetention({ pool: db.pool, logger, clock: () => new Date(now), retention }));

      // Only the days that end after the cutoff are left, and three days ahead; nothing went through the default.
      const expected = Array.from({ length: 14 + 1 + 3 }, (_, i) => dayName(utcMidnight(cutoff) + i * DAY)).concat('health_samples_default').sort();
      expect(await partitionsOf(db.pool)).toEqual(expected);
      expect(report.samples).toMatchObject({ deletedFromDefault: 0, movedFromDefault: 0, deferred: [] });
      expect((await db.pool.query(`select count(*)::int as n from ops.health_samples`)).rows[0].n).toBe(kept);
      expect((await db.pool.query(`select count(*)::int as n from ops_partitions.health_samples_default`)).rows[0].n).toBe(0);
      // Every partition, whichever way it came, carries the (deployment_id, observed_at desc) index.
      const indexed = await db.pool.query(`select count(*)::int as n from pg_inherits where inhparent = 'ops.health_samples_deployment_time_idx'::regclass`);
      expect(indexed.rows[0].n).toBe(expected.length);

      // The monitor's read of recent samples still answers, and reads only the partitions its window reaches: the
      // statement it sent, explained with its values, reaches today's alone (not the days ahead, not the default).
      const counted = createDatabase(db.tdb.url, logger, { max: 1 });
      const sent = countStatements(counted.pool);
      try {
        const pushed = await readPushedObservations(counted.db, { deploymentIds: [dep], windows: [{ metric: 'error_rate_per_minute', windowMs: HOUR }], now: new Date(now), staleAfterMs: 2 * 60_000, clockSkewMs: 2 * 60_000 });
        expect(pushed.get(dep)?.latest.error_rate_per_minute).toEqual({ value: 0, at: new Date(now) });
        expect(pushed.get(dep)?.windows.get(`error_rate_per_minute@${HOUR}`)).toMatchObject({ count: 3 });
      } finally {
        await counted.close();
      }
      const [read] = sent.sent;
      const plan = (await db.pool.query(`explain ${read!.text}`, read!.values)).rows.map((r) => r['QUERY PLAN'] as string).join('\n');
      expect(new Set(plan.match(/health_samples_\d{8}|health_samples_default/g)), plan).toEqual(new Set([dayName(now)]));
    } finally {
      await db.close();
    }
  });

  it('never deadlocks a transaction that records a deployment and then reads its samples: the new day waits for the next run instead', async () => {
    const db = await withDatabase();
    const writer = await db.pool.connect();
    try {
      const dep = await insertDeployment(db.pool);
      const day = new Date(utcMidnight(Date.now()) + 30 * DAY);
      // Completing a deployment writes its row, then reads the service's samples for its snapshot, in one transaction.
      await writer.query('begin');
      await writer.query(`update ops.deployments set status = 'success' where deployment_id = $1`, [dep]);
      const attaching = ensureDayPartitions(db.database.db, [day]);
      // Give the attach every chance to take the default partition and queue for ops.deployments before the read.
      let settled = false;
      attaching.then(() => (settled = true), () => (settled = true));
      const lockWait = async () => (await db.pool.query(`select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`)).rows[0].n > 0;
      await waitFor('the attach to end, or to wait for ops.deployments', async () => settled || (await lockWait()));
      const read = await writer.query(`select count(*)::int as n from ops.health_samples where deployment_id = $1`, [dep]);
      await writer.query('commit');
      expect(read.rows[0].n).toBe(0);
      expect(await attaching).toEqual({ created: [], moved: 0, deferred: [dayName(day)] });
      // Nothing in the way, the next run adds it.
      expect(await ensureDayPartitions(db.database.db, [day])).toEqual({ created: [dayName(day)], moved: 0, deferred: [] });
    } finally {
      writer.release();
      await db.close();
    }
  });

  it('never refuses an insert for want of a partition: the default one takes it, and the run moves it to its day or expires it', async () => {
    const db = await withDatabase();
    try {
      const dep = await insertDeployment(db.pool);
      const now = Date.now();
      const insert = async (at: number) =>
        (await db.pool.query(`insert into ops.health_samples (deployment_id, source, observed_at) values ($1, 'push', $2) returning tableoid::regclass::text as part`, [dep, new Date(at)])).rows[0].part as string;
      // Today and three days ahead are ready; but a pushed observed_at may lie days back, and a worker may be down for
      // longer than three days.
      ran(await runRetention({ pool: db.pool, logger, clock: () => new Date(now), retention }));
      expect(await insert(now)).toBe(`ops_partitions.${dayName(now)}`);
      expect(await insert(now - 5 * DAY)).toBe('ops_partitions.health_samples_default');
      expect(await insert(now - 20 * DAY)).toBe('ops_partitions.health_samples_default');
      expect(await insert(now + 10 * DAY)).toBe('ops_partitions.health_samples_default');

      const report = ran(await runRetention({ pool: db.pool, logger, clock: () => new Date(now), retention }));
      expect(report.samples).toMatchObject({ deletedFromDefault: 1, movedFromDefault: 2, partitionsDropped: [], deferred: [] });
      expect(report.samples.partitionsCreated.sort()).toEqual([dayName(now - 5 * DAY), dayName(now + 10 * DAY)].sort());
      const placed = await db.pool.query(`select observed_at, tableoid::regclass::text as part from ops.health_samples order by observed_at`);
      expect(placed.rows.map((r) => r.part)).toEqual([dayName(now - 5 * DAY), dayName(now), dayName(now + 10 * DAY)].map((n) => `ops_partitions.${n}`));

      // The next run has nothing left to do.
      const again = ran(await runRetention({ pool: db.pool, logger, clock: () => new Date(now), retention }));
      expect(again.samples).toEqual({ partitionsCreated: [], partitionsDropped: [], movedFromDefault: 0, deletedFromDefault: 0, deferred: [] });
    } finally {
      await db.close();
    }
  });
});

describe('the retention job', () => {
  let tdb: TestDatabase;
  beforeAll(async () => {
    tdb = await createTestDatabase();
  });
  afterAll(async () => tdb?.drop());

  it('is a BullMQ job scheduler on the worker: it runs at once, then every retention.every', async () => {
    const now = Date.now();
    const seed = poolFor(tdb, 1);
    try {
      const dep = await insertDeployment(seed);
      await seed.query(
        `insert into ops.health_decisions (deployment_id, service, environment, action, summary, evidence, decided_at)
         select $1, 'payments', 'production', 'observe', 'old', '{}'::jsonb, $2::timestamptz + n * interval '1 minute' from generate_series(0, 99) n`,
        [dep, new Date(now - 40 * DAY)],
      );
      await seed.query(`insert into ops.health_samples (deployment_id, source, observed_at) values ($1, 'push', $2)`, [dep, new Date(now - 20 * DAY)]);
    } finally {
      await seed.end();
    }

    const b = await startBackstop({ policy: policyWith('retention:\n  health_samples: 14d\n  health_decisions: 30d\n  every: 2h\n'), db: tdb, roles: { api: false } });
    const connection = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
    const queue = new Queue(RETENTION_QUEUE, { connection, prefix: b.queuePrefix });
    try {
      const done = await waitFor('the first retention run to complete', async () => (await queue.getJobs(['completed']))[0]);
      expect(done.returnvalue).toMatchObject({ ran: true, decisions: { deleted: 100, complete: true }, samples: { deletedFromDefault: 1 } });
      const pool = b.running.deps.pool;
      expect((await pool.query(`select count(*)::int as n from ops.health_decisions`)).rows[0].n).toBe(0);
      expect((await pool.query(`select count(*)::int as n from ops.health_samples`)).rows[0].n).toBe(0);
      const scheduler = await queue.getJobScheduler('retention');
      expect(scheduler).toMatchObject({ every: 2 * HOUR });
      // The next run waits its turn, an interval after the first.
      const [next] = await queue.getJobs(['delayed']);
      expect(next!.delay).toBeGreaterThan(2 * HOUR - 60_000);
    } finally {
      await queue.close();
      connection.disconnect();
      await b.close();
    }
  });

  it('runs one at a time: a run that finds another holding the lock is skipped', async () => {
    const pool = poolFor(tdb, 2);
    const holder = await pool.connect();
    try {
      await holder.query(`select pg_advisory_lock(hashtextextended('backstop:retention', 0))`);
      const report = await runRetention({ pool, logger, clock: () => new Date(), retention: retentionOf('') });
      expect(report).toEqual({ ran: false, reason: 'another run is in progress' });
      await holder.query(`select pg_advisory_unlock(hashtextextended('backstop:retention', 0))`);
      expect((await runRetention({ pool, logger, clock: () => new Date(), retention: retentionOf('') })).ran).toBe(true);
    } finally {
      holder.release();
      await pool.end();
    }
  });

  it('stops at its next step when told to (shutdown), leaving the rest to the next run', async () => {
    const pool = poolFor(tdb, 2);
    try {
      const dep = await insertDeployment(pool, 'search');
      await pool.query(`insert into ops.health_decisions (deployment_id, service, environment, action, summary, evidence, decided_at) values ($1, 'search', 'production', 'observe', 'old', '{}', $2)`, [dep, new Date(Date.now() - 40 * DAY)]);
      const stopped = ran(await runRetention({ pool, logger, clock: () => new Date(), retention: retentionOf(''), signal: AbortSignal.abort() }));
      expect(stopped.decisions).toEqual({ deleted: 0, complete: false });
      const next = ran(await runRetention({ pool, logger, clock: () => new Date(), retention: retentionOf('') }));
      expect(next.decisions).toEqual({ deleted: 1, complete: true });
    } finally {
      await pool.end();
    }
  });
});

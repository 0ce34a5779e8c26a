import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { createDatabase, type Queryable } from '../../src/db/client.ts';
import { readDeploymentEvidence } from '../../src/health/pushed-observations.ts';
import { createLogger } from '../../src/logging/logger.ts';
import { policyWith, ran, retentionOf } from '../support/retention-policy.ts';
import { runRetention } from '../../src/retention/run-retention.ts';
import { startBackstop, waitFor } from '../support/harness.ts';
import { exited, spawnBackstop } from '../support/processes.ts';
import { createTestDatabase } from '../support/test-db.ts';

// Retention of ops.health_decisions: expired rows go in batches walked along the primary key, each its own
// transaction, so a worker killed in the middle leaves whole batches gone and the next run finishes the job.

const DAY = 24 * 3_600_000;
const HOUR = 3_600_000;
const logger = createLogger({ level: 'silent' });
/** The alerts an assessment counts as firing for a deployment (the read of its evidence). */
const firingAlerts = async (q: Queryable, deploymentId: string) => (await readDeploymentEvidence(q, deploymentId, { windows: [], now: new Date(), staleAfterMs: HOUR, clockSkewMs: 0 })).alerts;
async function insertDeployment(pool: pg.Pool): Promise<string> {
  const { rows } = await pool.query(`insert into ops.deployments (service, environment, version, git_commit) values ('payments', 'production', 'v1', 'abc1234') returning deployment_id`);
  return rows[0].deployment_id as string;
}

describe('health decisions', () => {
  const retention = retentionOf('retention: { health_samples: 14d, health_decisions: 30d }\n');

  /**
   * Decisions one an hour over `days` days up to `now`, oldest first (as the monitor writes them), each half an hour
   * off the hour so none sits on a cutoff computed a moment later; and alerts, with or without their resolution.
   */
  async function seedDecisions(pool: pg.Pool, dep: string, now: number, days: number) {
    await pool.query(
      `insert into ops.health_decisions (deployment_id, service, environment, action, summary, evidence, decided_at)
       select $1, 'payments', 'production', 'observe', 'hourly', '{}'::jsonb, $2::timestamptz + h * interval '1 hour'
       from generate_series(0, $3::int) h`,
      [dep, new Date(now - days * DAY + HOUR / 2), days * 24 - 1],
    );
    const alert = (fingerprint: string, at: number, resolvedAt?: number) =>
      pool.query(
        `insert into ops.health_decisions (deployment_id, service, environment, action, summary, evidence, decided_at)
         select $1, 'payments', 'production', a.action, a.summary, a.evidence, a.at from (values
           ('propose', 'alert firing', jsonb_build_object('fired', jsonb_build_array(jsonb_build_object('alertname', 'HighErrors', 'fingerprint', $2::text, 'starts_at', '2026-01-01T00:00:00Z'))), $3::timestamptz),
           ('alert_resolved', 'alert resolved', jsonb_build_object('fingerprint', $2::text), $4::timestamptz)) a(action, summary, evidence, at)
         where a.at is not null`,
        [dep, fingerprint, new Date(at), resolvedAt === undefined ? null : new Date(resolvedAt)],
      );
    return { alert };
  }

  it('older than the cutoff go, newer stay, and an alert still firing keeps its decision', async () => {
    const tdb = await createTestDatabase();
    const database = createDatabase(tdb.url, logger, { max: 4 });
    const pool = database.pool;
    try {
      const dep = await insertDeployment(pool);
      const now = Date.now();
      const cutoff = now - 30 * DAY;
      const { alert } = await seedDecisions(pool, dep, now, 45);
      await alert('still-firing', now - 40 * DAY);
      await alert('resolved-long-ago', now - 40 * DAY, now - 39 * DAY);
      await alert('resolved-lately', now - 35 * DAY, now - 2 * DAY);
      const firing = await firingAlerts(database.db, dep);
      const count = async (where: string) => (await pool.query(`select count(*)::int as n from ops.health_decisions where ${where}`, [new Date(cutoff)])).rows[0].n as number;
      const newer = await count('decided_at >= $1');
      const older = await count('decided_at < $1');

      const report = ran(await runRetention({ pool: pool, logger, clock: () => new Date(now), retention, batchSize: 100 }));
      expect(report.decisions).toEqual({ deleted: older - 1, complete: true });
      expect(await count('decided_at >= $1')).toBe(newer);
      const left = await pool.query(`select action, evidence->'fired'->0->>'fingerprint' as fp from ops.health_decisions where decided_at < $1`, [new Date(cutoff)]);
      expect(left.rows).toEqual([{ action: 'propose', fp: 'still-firing' }]);
      // What an assessment reads of the alerts is unchanged.
      expect(await firingAlerts(database.db, dep)).toEqual(firing);
      expect(firing.map((a) => a.fingerprint)).toEqual(['still-firing']);
    } finally {
      await database.close();
      await tdb.drop();
    }
  });

  it('a worker killed while it deletes leaves whole batches deleted, and the next run finishes the job', async () => {
    const tdb = await createTestDatabase();
    const b = await startBackstop({ policy: policyWith('retention: { health_decisions: 30d }\n'), db: tdb, roles: { api: false, worker: false } });
    const pool = b.running.deps.pool;
    try {
      const dep = await insertDeployment(pool);
      const now = Date.now();
      const cutoff = new Date(now - 30 * DAY);
      const { alert } = await seedDecisions(pool, dep, now, 40);
      // Enough expired rows for many batches of 5000, so the kill lands in the middle of the walk.
      await pool.query(
        `insert into ops.health_decisions (deployment_id, service, environment, action, summary, evidence, decided_at)
         select $1, 'payments', 'production', 'observe', 'bulk', '{}'::jsonb, $2::timestamptz + n * interval '1 second' from generate_series(1, 60000) n`,
        [dep, new Date(now - 39 * DAY)],
      );
      await alert('still-firing', now - 38 * DAY);
      await alert('resolved-lately', now - 37 * DAY, now - DAY);
      const fresh = (await pool.query(`select id from ops.health_decisions where decided_at >= $1 order by id`, [cutoff])).rows;
      const expiredIds = async () => (await pool.query(`select id from ops.health_decisions where decided_at < $1 and evidence->'fired' is null order by id`, [cutoff])).rows.map((r) => Number(r.id));
      const expired = await expiredIds();
      const total = (await pool.query(`select count(*)::int as n from ops.health_decisions`)).rows[0].n as number;
      const firing = await firingAlerts(b.running.deps.db, dep);

      // A real worker: its retention job starts at once. SIGKILL it as soon as the first batches are gone.
      const worker = spawnBackstop('worker', b.childEnv);
      const seen = await waitFor('the worker to delete a first batch', async () => {
        const n = (await pool.query(`select count(*)::int as n from ops.health_decisions`)).rows[0].n as number;
        return n < total ? n : null;
      }, 30_000, 5);
      worker.kill('SIGKILL');
      await exited(worker);
      // PostgreSQL finishes (and commits) a statement whose client died before it notices; the session, and the run's
      // advisory lock with it, ends after that. Count once it has.
      await waitFor('the killed worker\'s session to end', async () =>
        (await pool.query(`select count(*)::int as n from pg_locks where locktype = 'advisory' and database = (select oid from pg_database where datname = current_database())`)).rows[0].n === 0);
      const afterKill = (await pool.query(`select count(*)::int as n from ops.health_decisions`)).rows[0].n as number;
      expect(afterKill, worker.output()).toBeLessThanOrEqual(seen);
      expect(afterKill, 'the kill came after the run had finished: nothing to prove').toBeGreaterThan(fresh.length + 1);
      // Only expired rows went, in whole batches walked in id order: what is left of them is the tail of the walk; no
      // fresh row is missing, and no alert changed state.
      const rest = await expiredIds();
      expect(rest).toEqual(expired.slice(expired.length - rest.length));
      expect((await pool.query(`select id from ops.health_decisions where decided_at >= $1 order by id`, [cutoff])).rows).toEqual(fresh);
      expect(await firingAlerts(b.running.deps.db, dep)).toEqual(firing);
      // The next run finishes the job.
      const report = ran(await runRetention({ pool, logger, clock: () => new Date(now), retention: b.running.deps.config.raw.retention }));
      expect(report.decisions.complete).toBe(true);
      expect(report.decisions.deleted).toBe(afterKill - fresh.length - 1);
      const left = await pool.query(`select evidence->'fired'->0->>'fingerprint' as fp from ops.health_decisions where decided_at < $1`, [cutoff]);
      expect(left.rows).toEqual([{ fp: 'still-firing' }]);
      expect((await pool.query(`select id from ops.health_decisions where decided_at >= $1 order by id`, [cutoff])).rows).toEqual(fresh);
      expect(await firingAlerts(b.running.deps.db, dep)).toEqual(firing);
    } finally {
      await b.close();
      await tdb.drop();
    }
  });
});

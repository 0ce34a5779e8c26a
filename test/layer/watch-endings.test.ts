import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemSnapshots } from '../../src/db/schema/index.ts';
import { takeSnapshot } from '../../src/deployments/take-snapshot.ts';
import { endDueWatches } from '../../src/db/queries/watches.ts';
import { finishWatches } from '../../src/monitor/finish-watch.ts';
import type { MonitorDeps } from '../../src/monitor/types.ts';
import { createLayerWorld, type LayerWorld } from '../support/layer/world.ts';

// The end of the watch, set-based: however many watches end in one tick, the same few statements end them, record
// a watch_passed decision and a post-deployment snapshot for each healthy one, in one transaction. The snapshot
// written in bulk says what a snapshot taken on its own says.

const T0 = new Date('2031-05-01T10:00:00.000Z');
const HOUR = 3_600_000;
const SERVICES = ['alpha', 'beta', 'gamma'];

describe('ending watches', () => {
  let w: LayerWorld;
  let deps: MonitorDeps;
  beforeAll(async () => {
    w = await createLayerWorld({ start: T0, services: SERVICES });
    deps = { ...w.deps, scheduleVetoEnd: async () => undefined };
  });
  afterAll(async () => {
    await w?.close();
  });

  // `n` deployments whose watch ended a minute ago, spread over the services and both environments. Each has a fresh
  // sample (its own error rate: its index), every third a migration; every tenth is in breach and every tenth (offset
  // by five) has no sample at all.
  async function dueWatches(n: number, tag: string, sampleAgeMs: number): Promise<void> {
    await w.db.execute(sql`
      insert into ops.deployments (service, environment, version, git_commit, status, deployed_at, watch_ends_at)
      select (${`{${SERVICES.join(',')}}`}::text[])[g % 3 + 1], case when g % 2 = 0 then 'production' else 'staging' end,
        ${tag} || '.' || g, 'abc1234', 'in_progress', ${new Date(T0.getTime() - HOUR - 60_000)}::timestamptz, ${new Date(T0.getTime() - 60_000)}::timestamptz
      from generate_series(1, ${n}) g`);
    await w.db.execute(sql`
      insert into ops.health_samples (deployment_id, source, observed_at, error_rate_per_minute)
      select deployment_id, 'pushed', ${new Date(T0.getTime() - sampleAgeMs)}::timestamptz - (split_part(version, '.', 2)::int * interval '1 ms'), split_part(version, '.', 2)::int
      from ops.deployments where version like ${`${tag}.%`} and split_part(version, '.', 2)::int % 10 <> 5`);
    await w.db.execute(sql`
      insert into ops.rule_states (deployment_id, rule, verdict, consecutive, value, observed_at)
      select deployment_id, 'error_rate', 'breach', 1, 9, ${new Date(T0.getTime() - 90_000)}::timestamptz
      from ops.deployments where version like ${`${tag}.%`} and split_part(version, '.', 2)::int % 10 = 0`);
    await w.db.execute(sql`
      insert into ops.migration_history (deployment_id, migration_name, migration_hash, reversibility)
      select deployment_id, 'm_' || version, md5(version), 'reversible'
      from ops.deployments where version like ${`${tag}.%`} and split_part(version, '.', 2)::int % 3 = 0`);
  }

  it('ends a thousand watches with as many statements as ten, and records each healthy one', async () => {
    await dueWatches(10, 'small', 100_000);
    w.statements.reset();
    const small = await finishWatches(deps);
    const smallStatements = w.statements.statements.length;
    expect(small).toEqual({ healthy: 8, other: 2 });

    await dueWatches(1_000, 'large', 90_000);
    w.statements.reset();
    const large = await finishWatches(deps);
    expect(large).toEqual({ healthy: 800, other: 200 });
    expect(w.statements.statements.length).toBe(smallStatements);
    // begin, end the watches (and decide, and read the snapshots' state), store the snapshots, commit.
    expect(smallStatements).toBeLessThanOrEqual(4);

    const outcome = await w.db.execute<{ watch_result: string; status: string; health_check_passed: boolean; n: string; snapshots: string; decisions: string }>(sql`
      select d.watch_result, d.status, d.health_check_passed, count(*) as n,
        count(*) filter (where exists (select 1 from ops.system_snapshots s where s.deployment_id = d.deployment_id and s.snapshot_type = 'post_deployment')) as snapshots,
        count(*) filter (where exists (select 1 from ops.health_decisions h where h.deployment_id = d.deployment_id and h.action = 'watch_passed')) as decisions
      from ops.deployments d group by 1, 2, 3 order by 1`);
    expect(outcome.rows.map((r) => ({ ...r, n: Number(r.n), snapshots: Number(r.snapshots), decisions: Number(r.decisions) }))).toEqual([
      { watch_result: 'healthy', status: 'success', health_check_passed: true, n: 808, snapshots: 808, decisions: 808 },
      { watch_result: 'inconclusive', status: 'in_progress', health_check_passed: false, n: 101, snapshots: 0, decisions: 0 },
      { watch_result: 'unhealthy', status: 'in_progress', health_check_passed: false, n: 101, snapshots: 0, decisions: 0 },
    ]);
    // Nothing left to end: the next tick's statement finds nothing and writes nothing.
    expect(await finishWatches(deps)).toEqual({ healthy: 0, other: 0 });
  });

  it('writes the snapshot a snapshot taken on its own would write', async () => {
    const [bulk] = (
      await w.db.execute<{ deployment_id: string; database_schema_hash: string; key_metrics: unknown; table_counts: unknown; environment_config: unknown }>(sql`
        select s.deployment_id, s.database_schema_hash, s.key_metrics, s.table_counts, s.environment_config from ops.system_snapshots s
        join ops.deployments d using (deployment_id) where d.version = 'large.3'`)
    ).rows;
    const [deployment] = await w.db.execute<{ deployment_id: string }>(sql`select deployment_id from ops.deployments where version = 'large.3'`).then((r) => r.rows);
    const row = await w.db.query.deployments.findFirst({ where: (d, { eq }) => eq(d.deploymentId, deployment!.deployment_id) });
    const single = await takeSnapshot(w.db, {
      type: 'post_deployment',
      deployment: row!,
      eventId: null,
      policy: w.config.resolve(row!.service, row!.environment),
      policyVersion: w.config.policyVersion,
      at: T0,
      maxSampleAgeMs: w.config.raw.monitoring.max_sample_age,
    });
    const [alone] = await w.db.select().from(systemSnapshots).where(sql`snapshot_id = ${single}`);
    expect(bulk).toMatchObject({
      database_schema_hash: alone!.databaseSchemaHash,
      key_metrics: alone!.keyMetrics,
      table_counts: alone!.tableCounts,
      environment_config: alone!.environmentConfig,
    });
    // The service's newest sample, whichever deployment sent it: large.3 (alpha, staging) is also the one with the
    // lowest number of alpha/staging in the newer batch, whose samples are offset back by their number.
    expect((alone!.keyMetrics as { error_rate_per_minute: number }).error_rate_per_minute).toBe(3);
  });

  // A fleet under watch, none of it due: the statement a tick sends finds the due watches through the partial index,
  // planned for the time it is sent with. A plan made without the time (a generic plan) guesses that a third of the
  // fleet is due, scans every deployment, and at 100k watched spent 0.8 s of each tick compiling that scan (JIT).
  it('finds the due watches without scanning a fleet under watch that is not due', async () => {
    await w.db.execute(sql`
      insert into ops.deployments (service, environment, version, git_commit, status, deployed_at, watch_ends_at)
      select 'alpha', 'staging', 'fleet.' || g, 'abc1234', 'success', ${T0}::timestamptz, ${new Date(T0.getTime() + HOUR)}::timestamptz
      from generate_series(1, 20000) g`);
    await w.db.execute(sql`analyze ops.deployments`);
    const scans = await w.db.transaction(async (tx) => {
      // The session's scans not yet reported to the statistics views: counted before and after, on one connection.
      const seqScans = async () =>
        Number((await tx.execute<{ n: string }>(sql`select coalesce(sum(seq_scan), 0) as n from pg_stat_xact_user_tables where schemaname = 'ops' and relname = 'deployments'`)).rows[0]!.n);
      const before = await seqScans();
      const ended = await endDueWatches(tx, { now: T0, staleAfterMs: 120_000, sampleSince: new Date(T0.getTime() - HOUR), passedSummary: 'healthy' });
      expect(ended).toEqual([]);
      return (await seqScans()) - before;
    });
    expect(scans).toBe(0);
  });
});

// A year of production data for the benchmarks, built once per scale and schema and then cloned.
//
// At scale 1 (BENCH_YEAR_SCALE, default 1): 200 services × 3 environments, 100k deployments over the year, 20k
// rollbacks with their approvals, plans, ledgers and snapshots, 1M audit rows on a valid hash chain, and 5M health
// samples with their decisions over the last 30 days (what the default retention keeps after a year).
// Usage: node bin/run-ts.mjs bench/dataset.ts [scale]   (builds the template now and prints what it holds)
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import pg from 'pg';
import { appendAuditBatch, type AuditEntry } from '../src/audit/append-audit.ts';
import { createDatabase } from '../src/db/client.ts';
import { createLogger } from '../src/logging/logger.ts';
import { MIGRATIONS_FOLDER, runMigrations } from '../src/db/migrate.ts';
import { ensureSamplePartitions } from '../src/retention/partitions.ts';
import { ADMIN, databaseUrl } from './database-url.ts';

const ENVIRONMENTS = ['production', 'staging', 'development'];
const DAY_MS = 86_400_000;

export interface YearSize {
  services: number;
  deployments: number;
  rollbacks: number;
  samples: number;
  auditRows: number;
}

export const yearScale = () => Number(process.env.BENCH_YEAR_SCALE ?? 1);

export function yearSize(scale: number): YearSize {
  return {
    services: Math.max(4, Math.round(200 * scale)),
    deployments: Math.round(100_000 * scale),
    rollbacks: Math.round(20_000 * scale),
    samples: Math.round(5_000_000 * scale),
    auditRows: Math.round(1_000_000 * scale),
  };
}

// The schema's fingerprint: a template built by other migrations is stale and rebuilt.
function schemaFingerprint(): string {
  const h = createHash('sha256');
  for (const f of readdirSync(MIGRATIONS_FOLDER).filter((f) => f.endsWith('.sql')).sort()) h.update(f).update(readFileSync(`${MIGRATIONS_FOLDER}/${f}`));
  return h.digest('hex').slice(0, 10);
}

const TEMPLATE_LOCK = 7_260_090;

/**
 * The name of a database holding the generated year at this scale, building it first when it is missing. Concurrent
 * benches wait for one builder; a build that was killed leaves a *_building database, which the next build replaces.
 */
export async function ensureYearTemplate(admin: pg.Client, scale: number): Promise<string> {
  const tag = String(scale).replace(/[^0-9]/g, '_');
  const name = `backstop_bench_year_s${tag}_${schemaFingerprint()}`;
  await admin.query('select pg_advisory_lock($1)', [TEMPLATE_LOCK]);
  try {
    const exists = await admin.query('select 1 from pg_database where datname = $1', [name]);
    if (exists.rowCount) return name;
    // Templates of older schemas are a few GB each: keep only the current one per scale.
    const stale = await admin.query<{ datname: string }>(`select datname from pg_database where datname like 'backstop_bench_year_s${tag}_%'`);
    for (const r of stale.rows) await admin.query(`drop database ${r.datname} with (force)`);
    const building = `${name}_building`;
    await admin.query(`create database ${building}`);
    const t0 = performance.now();
    console.error(`generating a year of data at scale ${scale} (once per schema; later runs clone it)…`);
    await generateYear(databaseUrl(building), yearSize(scale));
    console.error(`generated in ${Math.round((performance.now() - t0) / 1000)} s`);
    await admin.query(`alter database ${building} rename to ${name}`);
    return name;
  } finally {
    await admin.query('select pg_advisory_unlock($1)', [TEMPLATE_LOCK]);
  }
}

/** Fills a fresh database with a year: set-based SQL for the bulk, JavaScript only where hashes are chained. */
export async function generateYear(url: string, size: YearSize): Promise<void> {
  const pool = new pg.Pool({ connectionString: url, max: 2 });
  try {
    await runMigrations(pool);
    const now = new Date();
    const step = async (label: string, fn: () => Promise<unknown>) => {
      const t0 = performance.now();
      await fn();
      console.error(`  ${label}: ${Math.round(performance.now() - t0)} ms`);
    };
    const pairs = size.services * ENVIRONMENTS.length;
    const perPair = Math.max(2, Math.round(size.deployments / pairs));
    const rolledBackPct = (size.rollbacks / (pairs * perPair)) * 100;

    await step('deployments', () =>
      pool.query(
        // Each service and environment deploys every year/perPair, the last one of every tenth pair is still under
        // watch; about rolledBackPct % of deployments were rolled back (status, quarantine, rolled_back_at).
        `insert into ops.deployments (deployment_id, service, environment, version, git_commit, git_branch, deployed_by, deployed_at,
           status, health_check_passed, completed_at, rolled_back_at, quarantined, watch_ends_at, watch_result, metadata)
         select gen_random_uuid(), 'svc-' || lpad((p / 3)::text, 3, '0'), ($4::text[])[p % 3 + 1], 'v1.' || k, substr(md5(p || ':' || k), 1, 12),
           'main', 'ci', t.at,
           case when live then 'in_progress'::ops.deployment_status when rb then 'rolled_back' when r < 3 then 'failed' else 'success' end,
           not rb and r >= 3 and not live, case when live then null else t.at + interval '6 minutes' end,
           case when rb then t.at + interval '28 minutes' end, rb,
           t.at + interval '1 hour',
           case when live then null when rb then 'rolled_back' when r < 3 then 'unhealthy' else 'healthy' end,
           jsonb_build_object('pipeline', 'https://ci.example.com/' || p || '/' || k)
         from generate_series(0, $1::int - 1) p, generate_series(0, $2::int - 1) k,
           lateral (select abs(hashtext(p || ':' || k)) % 10000 / 100.0 as r) h,
           lateral (select k = $2::int - 1 and p % 10 = 0 as live) l,
           lateral (select not live and k > 0 and h.r >= 100 - $3::float as rb) b,
           lateral (select case when live then now() - interval '10 minutes'
                                else now() - interval '365 days' + (k::float / $2::int) * interval '364 days' + (p % 97) * interval '1 minute' end as at) t`,
        [pairs, perPair, rolledBackPct, ENVIRONMENTS],
      ),
    );
    await step('migrations', () =>
      pool.query(
        `insert into ops.migration_history (deployment_id, migration_name, migration_hash, reversibility, applied_at, execution_time_ms)
         select d.deployment_id, lpad(d.id::text, 6, '0') || '_change', md5(d.deployment_id::text), (array['expand','reversible','destructive','irreversible']::ops.reversibility[])[d.id % 4 + 1],
           d.deployed_at + interval '1 minute', 120
         from ops.deployments d where d.id % 7 = 0`,
      ),
    );
    await step('rollbacks, approvals', async () => {
      await pool.query(
        `insert into ops.rollback_events (event_id, deployment_id, target_deployment_id, service, environment, trigger_type, trigger_reason, trigger_data,
           initiated_by, initiated_at, status, status_reason, rollback_plan, plan_hash, constitutional_validation, approvals_required, expires_at,
           rollback_steps, claim_fence, claimed_by, approved_at, started_at, completed_at, updated_at, metadata)
         select gen_random_uuid(), d.deployment_id, d.prev, d.service, d.environment,
           (array['automatic','manual','alert']::ops.trigger_type[])[d.id % 3 + 1], 'error_rate_per_minute = 9.2 > 5, 3/3 consecutive',
           jsonb_build_object('rule', 'error_rate', 'observed', 9.2),
           case when d.id % 3 = 0 then 'backstop' else 'discord:' || (100000 + d.id % 50) end, d.deployed_at + interval '20 minutes', s.status,
           case when s.status <> 'succeeded' then 'bench: ' || s.status end,
           jsonb_build_object('service', d.service, 'environment', d.environment, 'mode', 'full', 'policy_version', 'bench',
             'from', jsonb_build_object('deployment_id', d.deployment_id, 'version', d.version),
             'target', jsonb_build_object('deployment_id', d.prev, 'version', d.prev_version), 'migrations', '[]'::jsonb),
           md5(d.deployment_id::text || 'plan'),
           jsonb_build_object('passed', true, 'laws', jsonb_build_array(jsonb_build_object('law', 'structural_integrity', 'passed', true))),
           2, d.deployed_at + interval '50 minutes',
           case when s.status in ('succeeded', 'failed') then
             (select jsonb_agg(jsonb_build_object('step', st, 'status', 'done', 'attempt', 1, 'started_at', d.deployed_at + interval '25 minutes',
                'finished_at', d.deployed_at + interval '26 minutes', 'duration_ms', 1200)) from unnest(array['validate','snapshot','execute','verify','finish']) st)
           else '[]'::jsonb end,
           1, 'worker-1', d.deployed_at + interval '25 minutes', d.deployed_at + interval '25 minutes', d.deployed_at + interval '28 minutes',
           d.deployed_at + interval '28 minutes', jsonb_build_object('source', 'discord')
         from (select dd.*, lag(dd.deployment_id) over w as prev, lag(dd.version) over w as prev_version
               from ops.deployments dd window w as (partition by dd.service, dd.environment order by dd.deployed_at)) d,
           lateral (select (case when d.id % 50 < 45 then 'succeeded' when d.id % 50 < 47 then 'failed' when d.id % 50 < 48 then 'rejected'
                                 when d.id % 50 < 49 then 'expired' else 'cancelled' end)::ops.rollback_status as status) s
         where d.status = 'rolled_back'`,
      );
      await pool.query(
        `insert into ops.approvals (event_id, approver, approver_name, decision, reason, source, plan_hash, decided_at)
         select e.event_id, 'discord:' || (200000 + e.id % 40 + a), 'approver ' || a,
           case when e.status = 'rejected' and a = 1 then 'reject'::ops.approval_decision else 'approve' end,
           'error rate is up since the deploy', 'discord', e.plan_hash, e.initiated_at + a * interval '2 minutes'
         from ops.rollback_events e, generate_series(1, 2) a
         where not (e.status = 'rejected' and a = 2) and not (e.status = 'expired' and a = 2)`,
      );
    });
    await step('snapshots', () =>
      pool.query(
        `insert into ops.system_snapshots (deployment_id, event_id, snapshot_type, database_schema_hash, table_counts, key_metrics, environment_config, created_at)
         select d.deployment_id, null, t.type::ops.snapshot_type, md5(d.service), '{"known_migrations": 3}'::jsonb,
           '{"error_rate_per_minute": 0.4, "p95_ms": 180}'::jsonb, jsonb_build_object('service', d.service, 'environment', d.environment, 'policy_version', 'bench'),
           d.deployed_at + t.after
         from ops.deployments d, (values ('pre_deployment', interval '0'), ('post_deployment', interval '1 hour')) t(type, after)
         where d.watch_result is not null or t.type = 'pre_deployment'
         union all
         select e.deployment_id, e.event_id, t.type::ops.snapshot_type, md5(e.service), '{"known_migrations": 3}'::jsonb,
           '{"error_rate_per_minute": 9.2, "p95_ms": 900}'::jsonb, jsonb_build_object('service', e.service, 'environment', e.environment, 'policy_version', 'bench'),
           e.started_at + t.after
         from ops.rollback_events e, (values ('pre_rollback', interval '0'), ('post_rollback', interval '3 minutes')) t(type, after)
         where e.status in ('succeeded', 'failed')`,
      ),
    );

    // Samples: the deployments of the last 30 days push one a minute from their start, oldest deployments first, until
    // the total is reached; decisions: each of those deployments passed its watch or was rolled back.
    const since = new Date(now.getTime() - 30 * DAY_MS);
    await ensureSamplePartitions(pool, { from: since, to: new Date(now.getTime() + 2 * DAY_MS) });
    await step('health samples', async () => {
      const recent = await pool.query<{ n: string }>(`select count(*) as n from ops.deployments where deployed_at >= $1`, [since]);
      const perDeployment = Math.ceil(size.samples / Math.max(1, Number(recent.rows[0]!.n)));
      await pool.query(
        `insert into ops.health_samples (deployment_id, source, observed_at, error_rate_per_minute, recent_errors, database_connections_pct, active_queries, p95_ms, memory_pct)
         select d.deployment_id, 'push', d.deployed_at + m * interval '1 minute',
           case when d.status = 'rolled_back' and m > 5 then 9.0 + (m % 7) / 10.0 else 0.2 + (m % 11) / 20.0 end,
           m % 5, 20 + m % 30, m % 12, 150 + m % 90, 40 + m % 20
         from ops.deployments d, generate_series(0, $2::int - 1) m
         where d.deployed_at >= $1 and d.deployed_at + m * interval '1 minute' <= now()`,
        [since, perDeployment],
      );
    });
    await step('health decisions', () =>
      pool.query(
        `insert into ops.health_decisions (deployment_id, service, environment, action, summary, evidence, event_id, decided_at)
         select d.deployment_id, d.service, d.environment,
           case when e.event_id is not null then 'auto' else 'watch_passed' end,
           case when e.event_id is not null then 'error_rate: error_rate_per_minute = 9.2 > 5, 3/3 consecutive' else 'healthy through the 60 min watch window' end,
           case when e.event_id is not null then '{"fired": [{"rule": "error_rate", "observed": 9.2, "threshold": 5}]}'::jsonb else '{}'::jsonb end,
           e.event_id, d.deployed_at + case when e.event_id is not null then interval '20 minutes' else interval '1 hour' end
         from ops.deployments d left join ops.rollback_events e on e.deployment_id = d.deployment_id
         where d.deployed_at >= $1 and d.watch_result is not null`,
        [since],
      ),
    );
    await step('audit log', () => generateAudit(url, size, now));
    await step('vacuum analyze', () => pool.query('vacuum analyze'));
  } finally {
    await pool.end();
  }
}

// The audit rows of a year, written through the real chain (so `audit verify` passes on it): each deployment's record
// and completion, each rollback's request, votes and finish, and reads filling the rest up to the target.
async function generateAudit(url: string, size: YearSize, now: Date): Promise<void> {
  const { db, pool } = createDatabase(url, createLogger({ level: 'error' }), { max: 2 });
  try {
    const base = now.getTime() - 365 * DAY_MS;
    const batch: AuditEntry[] = [];
    let written = 0;
    const flush = async () => {
      if (batch.length === 0) return;
      await db.transaction((tx) => appendAuditBatch(tx, batch.splice(0)));
    };
    const push = async (e: AuditEntry) => {
      batch.push(e);
      written++;
      if (batch.length >= 5_000) await flush();
    };
    // Walked in id order through a cursor-free keyset, so memory stays at one page.
    let lastId = 0;
    for (;;) {
      const page = await pool.query<{ id: string; deployment_id: string; deployed_at: Date; service: string; environment: string; version: string; status: string; event_id: string | null; event_status: string | null }>(
        `select d.id, d.deployment_id, d.deployed_at, d.service, d.environment, d.version, d.status, e.event_id, e.status as event_status
         from ops.deployments d left join ops.rollback_events e on e.deployment_id = d.deployment_id
         where d.id > $1 order by d.id limit 5000`,
        [lastId],
      );
      if (page.rows.length === 0) break;
      for (const d of page.rows) {
        const at = (min: number) => new Date(d.deployed_at.getTime() + min * 60_000);
        await push({ actor: 'ci', source: 'api', action: 'deployment.record', subject: d.deployment_id, result: 'recorded', details: { service: d.service, environment: d.environment, version: d.version, quarantined: false }, at: at(0) });
        await push({ actor: 'ci', source: 'api', action: 'deployment.complete', subject: d.deployment_id, result: d.status, details: { health_check_passed: d.status === 'success' }, at: at(6) });
        if (d.event_id) {
          await push({ actor: 'backstop', source: 'system', action: 'rollback.request', subject: d.event_id, reason: 'error_rate_per_minute = 9.2 > 5', result: 'awaiting_approval', severity: 'high', at: at(20) });
          await push({ actor: 'discord:200001', source: 'discord', action: 'rollback.approve', subject: d.event_id, reason: 'error rate is up since the deploy', result: 'recorded', at: at(22) });
          await push({ actor: 'discord:200002', source: 'discord', action: 'rollback.approve', subject: d.event_id, reason: 'confirmed on the dashboard', result: 'approved', at: at(24) });
          await push({ actor: 'backstop', source: 'system', action: 'rollback.finish', subject: d.event_id, result: d.event_status ?? 'succeeded', at: at(28) });
        }
        lastId = Number(d.id);
      }
    }
    // Reads and refusals spread over the year, up to the target.
    const rest = Math.max(0, size.auditRows - written);
    for (let i = 0; i < rest; i++) {
      const at = new Date(base + Math.floor((i / Math.max(1, rest)) * 365 * DAY_MS));
      if (i % 20 === 0) await push({ actor: `discord:${300000 + (i % 97)}`, source: 'discord', action: 'discord.refused', subject: '/approve rollback', result: 'refused', reason: 'missing role approver', severity: 'warning', at });
      else await push({ actor: `discord:${300000 + (i % 97)}`, source: 'discord', action: 'rollback.history', subject: `svc-${String(i % size.services).padStart(3, '0')}`, result: 'read', at });
    }
    await flush();
  } finally {
    await pool.end();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const admin = new pg.Client({ connectionString: ADMIN });
  await admin.connect();
  const scale = Number(process.argv[2] ?? yearScale());
  const name = await ensureYearTemplate(admin, scale);
  await admin.end();
  const pool = new pg.Pool({ connectionString: databaseUrl(name), max: 1 });
  const counts = await pool.query(
    `select (select count(*) from ops.deployments) deployments, (select count(*) from ops.rollback_events) rollbacks,
            (select count(*) from ops.approvals) approvals, (select count(*) from ops.health_samples) samples,
            (select count(*) from ops.health_decisions) decisions, (select count(*) from ops.audit_log) audit_rows,
            (select count(*) from ops.system_snapshots) snapshots, pg_size_pretty(pg_database_size(current_database())) size`,
  );
  await pool.end();
  console.log(JSON.stringify({ template: name, scale, ...counts.rows[0] }));
}

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { drizzle } from 'drizzle-orm/node-postgres';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendAudit } from '../../src/audit/append-audit.ts';
import { verifyAuditChain } from '../../src/audit/verify-audit.ts';
import * as schema from '../../src/db/schema/index.ts';
import { createLogger } from '../../src/logging/logger.ts';
import { runRetention } from '../../src/retention/run-retention.ts';
import { createDbLogins, poolAs, sqlStateOf, type DbLogins } from '../support/db-roles.ts';
import { startBackstop, testPolicy, waitFor, type Backstop } from '../support/harness.ts';
import { ran, retentionOf } from '../support/retention-policy.ts';
import { createTestDatabase, type TestDatabase } from '../support/test-db.ts';

// Least privilege (drizzle/0009_least_privilege.sql): backstop running as a user in backstop_runtime may append to the
// audit log but never rewrite it, and everything the product does still works. Startup and the CLI as that user:
// least-privilege-startup.test.ts.

const DAY = 24 * 3_600_000;
const SCRIPT = resolve('test/fixtures/rollback.sh');
const logger = createLogger({ level: 'silent' });
const DENIED = '42501';

let tdb: TestDatabase;
let logins: DbLogins;
let runtime: pg.Pool;

beforeAll(async () => {
  tdb = await createTestDatabase();
  logins = await createDbLogins(tdb);
  runtime = poolAs(logins.runtime.url, 4);
});
afterAll(async () => {
  await runtime?.end();
  await tdb?.drop();
  await logins?.drop();
});

describe('the runtime role and the audit log', () => {
  it('appends and reads audit rows, and may not update, delete or truncate them', async () => {
    const db = drizzle(runtime, { schema });
    await appendAudit(db, { actor: 'alice', source: 'api', action: 'probe.append', subject: 'lp-subject', result: 'ok' });
    const { rows } = await runtime.query(`select id, actor from ops.audit_log where action = 'probe.append'`);
    expect(rows).toEqual([{ id: expect.anything(), actor: 'alice' }]);

    expect(await sqlStateOf(runtime, `update ops.audit_log set actor = 'mallory'`)).toBe(DENIED);
    expect(await sqlStateOf(runtime, `delete from ops.audit_log`)).toBe(DENIED);
    expect(await sqlStateOf(runtime, `truncate ops.audit_log`)).toBe(DENIED);
    // Rewinding a chain's head would hide the newest rows; only appending may move it.
    expect(await sqlStateOf(runtime, `delete from ops.audit_chain_heads`)).toBe(DENIED);
    expect(await sqlStateOf(runtime, `truncate ops.audit_chain_heads`)).toBe(DENIED);
    expect(await sqlStateOf(runtime, `insert into ops.audit_chain_heads (chain, last_id, last_hash, row_count) values (99, 0, 'x', 0)`)).toBe(DENIED);
    expect(await sqlStateOf(runtime, `delete from ops.audit_archives`)).toBe(DENIED);
    expect(await sqlStateOf(runtime, `update ops.audit_archives set file = 'elsewhere'`)).toBe(DENIED);
    expect((await verifyAuditChain(db)).ok).toBe(true);
  });

  it('holds exactly these rights on the audit tables, and every other table of ops is plainly read and written', async () => {
    const privileges = ['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE', 'REFERENCES', 'TRIGGER'];
    const { rows } = await runtime.query<{ name: string; held: string[] }>(
      `select c.relname as name, array(select p from unnest($1::text[]) p where has_table_privilege(c.oid, p)) as held
       from pg_class c join pg_namespace n on n.oid = c.relnamespace where n.nspname = 'ops' and c.relkind in ('r', 'p') order by 1`,
      [privileges],
    );
    const held = Object.fromEntries(rows.map((r) => [r.name, r.held.join(' ')]));
    // A new append-only table must be listed here with its own rights (its migration revokes UPDATE and DELETE).
    const special: Record<string, string> = { audit_log: 'SELECT INSERT', audit_chain_heads: 'SELECT UPDATE', audit_archives: 'SELECT' };
    for (const name of Object.keys(held)) expect(`${name}: ${held[name]}`).toBe(`${name}: ${special[name] ?? 'SELECT INSERT UPDATE DELETE'}`);
    expect(Object.keys(held)).toEqual(expect.arrayContaining(Object.keys(special)));
  });

  it('changes no schema: no CREATE anywhere, no partition function beyond its one job, and nothing granted to PUBLIC', async () => {
    expect(await sqlStateOf(runtime, `create table ops.lp_probe (id int)`)).toBe(DENIED);
    expect(await sqlStateOf(runtime, `create table ops_partitions.lp_probe (id int)`)).toBe(DENIED);
    expect(await sqlStateOf(runtime, `alter table ops.health_samples disable trigger all`)).toBe(DENIED);
    expect(await sqlStateOf(runtime, `drop table ops_partitions.health_samples_default`)).toBe(DENIED);
    // The drop function drops day partitions of ops.health_samples and nothing else.
    expect(await sqlStateOf(runtime, `select ops.drop_sample_partition('health_samples_default')`)).toBe('22023');
    expect(await sqlStateOf(runtime, `select ops.drop_sample_partition('audit_log')`)).toBe('22023');
    const { rows } = await runtime.query(
      `select count(*)::int as n from (
         select nspacl as acl from pg_namespace where nspname in ('ops', 'ops_partitions', 'drizzle')
         union all select proacl from pg_proc where proname in ('attach_sample_partition', 'drop_sample_partition')
         union all select relacl from pg_class c join pg_namespace n on n.oid = c.relnamespace where n.nspname in ('ops', 'ops_partitions', 'drizzle')
       ) o, aclexplode(o.acl) a where a.grantee = 0`,
    );
    expect(rows[0].n).toBe(0);
  });
});

describe('backstop running as the runtime role', () => {
  let b: Backstop;
  beforeAll(async () => {
    const sideEffects = join(mkdtempSync(join(tmpdir(), 'backstop-lp-')), 'effects.log');
    // The app's only database user is the runtime login; nothing is pending, so startup migrates nothing.
    b = await startBackstop({
      db: { ...tdb, url: logins.runtime.url },
      policy: testPolicy({ executorArgv: [SCRIPT, sideEffects, '0.1'], verifyWindow: '600ms', rules: '[{ name: error-rate-critical, metric: error_rate_per_minute, op: ">", threshold: 5, for: 2, action: auto }]' }),
    });
  });
  afterAll(async () => b?.close());

  const deploy = async (version: string, good: boolean) => {
    const rec = await b.api('POST', '/api/deployments', 'ci', { service: 'payments', environment: 'production', version, git_commit: `a7f3b2${version.replace(/\D/g, '')}` });
    expect(rec.status, JSON.stringify(rec.body)).toBe(201);
    const done = await b.api('POST', `/api/deployments/${rec.body.deployment_id}/complete`, 'ci', { status: good ? 'success' : 'failed', health_check_passed: good });
    expect(done.status).toBe(200);
    return rec.body.deployment_id as string;
  };

  it('records deployments and health, and requests, approves, executes and verifies a rollback', async () => {
    const good = await deploy('v3.0.1', true);
    const bad = await deploy('v3.0.2', false);
    expect((await b.api('POST', `/api/deployments/${bad}/health`, 'ci', { error_rate_per_minute: 8.5, recent_errors: 42 })).status).toBe(201);
    const req = await b.api('POST', '/auto-rollback', 'alice', { deployment_id: bad, trigger_reason: 'checkout errors' });
    expect(req.status, JSON.stringify(req.body)).toBe(201);
    const eventId = req.body.event_id as string;
    const ok = await b.api('POST', `/api/rollbacks/${eventId}/approvals`, 'bob', { decision: 'approve', reason: 'confirmed' });
    expect(ok.status, JSON.stringify(ok.body)).toBe(200);
    const pushHealthy = setInterval(() => void b.api('POST', `/api/deployments/${good}/health`, 'ci', { error_rate_per_minute: 0.2, recent_errors: 1 }), 100);
    try {
      const done = await waitFor('the rollback to finish', async () => {
        const r = await b.api('GET', `/api/rollbacks/${eventId}`, 'viewer');
        return ['succeeded', 'failed'].includes(r.body.status) ? r.body : null;
      });
      expect(done.status, JSON.stringify(done)).toBe('succeeded');
    } finally {
      clearInterval(pushHealthy);
    }
    // Every step wrote its audit rows through the runtime's INSERT, and the chains hold.
    expect((await verifyAuditChain(drizzle(runtime, { schema }))).ok).toBe(true);
  });

  it('runs retention: adds day partitions (moving rows out of the default one) and drops expired ones', async () => {
    const { rows: [dep] } = await runtime.query(`insert into ops.deployments (service, environment, version, git_commit) values ('search', 'staging', 'v1', 'abc1234') returning deployment_id`);
    const later = Date.now() + 20 * DAY;
    // No partition covers that day yet: the sample waits in the default partition.
    const { rows: [landed] } = await runtime.query(
      `insert into ops.health_samples (deployment_id, source, observed_at) values ($1, 'push', $2) returning tableoid::regclass::text as part`,
      [dep.deployment_id, new Date(later)],
    );
    expect(landed.part).toBe('ops_partitions.health_samples_default');
    const partitionsBefore = (await runtime.query(`select count(*)::int as n from pg_inherits where inhparent = 'ops.health_samples'::regclass`)).rows[0].n as number;

    const report = ran(await runRetention({ pool: runtime, logger, clock: () => new Date(later), retention: retentionOf('retention:\n  health_samples: 14d\n') }));
    expect(report.samples.movedFromDefault).toBe(1);
    expect(report.samples.partitionsCreated).toHaveLength(4); // that day and the three after it
    expect(report.samples.partitionsDropped.length).toBeGreaterThan(0); // today's and those after: older than 14 days then
    expect(report.samples.partitionsDropped.length).toBeLessThan(partitionsBefore);
    const { rows: [moved] } = await runtime.query(`select tableoid::regclass::text as part from ops.health_samples where deployment_id = $1`, [dep.deployment_id]);
    expect(moved.part).toMatch(/^ops_partitions\.health_samples_\d{8}$/);
    // The partitions belong to the owner, as the table does; the runtime cannot alter or drop them itself.
    const owners = await runtime.query(`select distinct pg_get_userbyid(c.relowner) as owner from pg_inherits i join pg_class c on c.oid = i.inhrelid where i.inhparent = 'ops.health_samples'::regclass`);
    expect(owners.rows).toEqual([{ owner: 'backstop_owner' }]);
    expect(await sqlStateOf(runtime, `drop table ${moved.part}`)).toBe(DENIED);
  });
});

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { startBackstop, testPolicy, TOKENS, waitFor, type Backstop } from '../support/harness.ts';
import { freePort } from '../support/processes.ts';
import { promtool, sampleValue, scrape, startRole, stopRole, type RoleProcess } from '../support/role-process.ts';

const ALERTS = resolve('examples/observability/backstop-alerts.yml');

// The split deployment (docker-compose's `--profile discord`): api and worker as separate processes. Rollbacks run in
// the worker, so only the worker's /metrics can ever show one failing, and the example page must fire from it.
describe('a failed rollback in the split deployment', () => {
  let b: Backstop;
  let api: RoleProcess | undefined;
  let worker: RoleProcess | undefined;

  beforeAll(async () => {
    // The executor exits 1: every rollback fails at execute.
    b = await startBackstop({ policy: testPolicy({ executorArgv: ['false'] }), roles: { api: false, worker: false, gateway: false } });
    const [apiPort, workerPort] = [await freePort(), await freePort()];
    [api, worker] = await Promise.all([startRole('api', { ...b.childEnv, PORT: String(apiPort) }, apiPort), startRole('worker', { ...b.childEnv, BACKSTOP_METRICS_PORT: String(workerPort) }, workerPort)]);
  });
  afterAll(async () => {
    await Promise.all([stopRole(api), stopRole(worker)]);
    await b?.close();
  });

  const call = async (method: string, path: string, token: string, body?: unknown) => {
    const res = await fetch(`${api!.base}${path}`, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
    return { status: res.status, body: (await res.json()) as Record<string, any> };
  };

  it('names each role on its database connections, and the worker holds its own open before it takes work', async () => {
    // What a DBA sees in pg_stat_activity. The worker opened a connection per rollback it may run at once (16 by
    // default) before it said it started, and keeps them while idle: a burst of rollbacks meets open connections.
    const held = async (name: string) =>
      Number((await b.running.deps.pool.query(`select count(*) as n from pg_stat_activity where datname = current_database() and application_name = $1`, [name])).rows[0].n);
    expect(await held('backstop-worker')).toBeGreaterThanOrEqual(16);
    expect(await held('backstop-api')).toBeGreaterThanOrEqual(1);
  });

  it("shows on the worker's /metrics, and BackstopRollbackFailed fires on it", async () => {
    const failed = { trigger: 'manual', outcome: 'failed' };
    const before = sampleValue(await scrape(worker!), 'backstop_rollbacks_total', failed);
    expect(before).toBe(0);

    const deploy = async (version: string, good: boolean) => {
      const id = (await call('POST', '/api/deployments', TOKENS.ci, { service: 'payments', environment: 'staging', version, git_commit: 'abc1234' })).body.deployment_id as string;
      await call('POST', `/api/deployments/${id}/complete`, TOKENS.ci, { status: good ? 'success' : 'failed', health_check_passed: good });
      return id;
    };
    await deploy('v1.0.0', true);
    const bad = await deploy('v1.0.1', false);
    const req = await call('POST', '/api/rollbacks', TOKENS.alice, { deployment_id: bad, trigger_reason: 'metrics test' });
    expect(req.status, JSON.stringify(req.body)).toBe(201);
    const done = await waitFor('the rollback to fail', async () => {
      const r = await call('GET', `/api/rollbacks/${req.body.event_id}`, TOKENS.viewer);
      return r.body.status === 'failed' ? r.body : null;
    }, 30_000);
    expect(done.status).toBe('failed');

    const text = await waitFor('the failure on the worker', async () => {
      const t = await scrape(worker!);
      return sampleValue(t, 'backstop_rollbacks_total', failed) === 1 ? t : null;
    });
    // The failing step was timed, and so were those before it.
    expect(sampleValue(text, 'backstop_rollback_step_duration_seconds_count', { step: 'execute', status: 'failed' })).toBe(1);
    expect(sampleValue(text, 'backstop_rollback_step_duration_seconds_count', { step: 'validate', status: 'done' })).toBe(1);

    // The alert's own expression, evaluated by Prometheus's rule engine over the two scrapes a minute apart.
    const rule = (parse(readFileSync(ALERTS, 'utf8')) as { groups: Array<{ rules: Array<{ alert: string; labels: Record<string, string>; annotations: Record<string, string> }> }> }).groups
      .flatMap((g) => g.rules)
      .find((r) => r.alert === 'BackstopRollbackFailed')!;
    const series = { job: 'backstop', instance: 'worker:9464', role: 'worker', ...failed };
    const dir = mkdtempSync(join(tmpdir(), 'backstop-alert-'));
    const testFile = join(dir, 'alert-test.yml');
    writeFileSync(
      testFile,
      JSON.stringify({
        rule_files: [ALERTS],
        evaluation_interval: '1m',
        tests: [
          {
            interval: '1m',
            input_series: [{ series: `backstop_rollbacks_total{${Object.entries(series).map(([k, v]) => `${k}="${v}"`).join(',')}}`, values: `${before} ${sampleValue(text, 'backstop_rollbacks_total', failed)}` }],
            alert_rule_test: [{ eval_time: '1m', alertname: 'BackstopRollbackFailed', exp_alerts: [{ exp_labels: { ...series, ...rule.labels }, exp_annotations: rule.annotations }] }],
          },
        ],
      }),
    );
    const fired = await promtool(['test', 'rules', testFile]).finally(() => rmSync(dir, { recursive: true, force: true }));
    expect(fired.code, fired.output).toBe(0);
  }, 60_000);
});

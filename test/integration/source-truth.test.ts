import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PUSHED_METRICS } from '../../src/config/monitoring-schema.ts';
import { startMetricsService, type MetricsService } from '../support/metrics-service.ts';
import { startPrometheus, type PrometheusServer } from '../support/prometheus.ts';
import { startBackstop, TOKEN_ROLES_YAML, waitFor, type Backstop } from '../support/harness.ts';

// A configured source is the truth for the metrics it names, whatever they are called: a pushed sample of the same
// name must not shadow it, and a source that goes quiet during a watch must not let the deployment pass.

// Per pushed name, two services: Prometheus says "breach" (value 41+i > 10) or "calm" (1+i), and a pushed sample
// says the opposite. Constant PromQL needs no scrape, so the answer is known exactly.
const svc = (kind: 'breach' | 'calm', metric: string) => `${kind}-${metric.replace(/_/g, '-')}`;
const promValue = (kind: 'breach' | 'calm', i: number) => (kind === 'breach' ? 41 + i : 1 + i);
const pushedValue = (kind: 'breach' | 'calm') => (kind === 'breach' ? 1 : 50);

const service = (name: string, promUrl: string, metric: string, query: string, threshold: number, action: string) => `
  ${name}:
    environments: [production]
    executor: { kind: command, argv: ["true"] }
    sources: [{ kind: prometheus, url: "${promUrl}", timeout: 1s, queries: { ${metric}: '${query}' } }]
    rules: [{ name: source-says, metric: ${metric}, op: ">", threshold: ${threshold}, action: ${action} }]`;

describe('a source is the truth for the metrics it reports', () => {
  let standIn: MetricsService;
  let prom: PrometheusServer;
  // The one that goes down during a watch; the control keeps `prom`.
  let doomed: PrometheusServer;
  let b: Backstop;

  beforeAll(async () => {
    standIn = await startMetricsService({ labels: { environment: 'production' } });
    const start = () => startPrometheus({ scrapeTargets: [standIn.target], scrapeIntervalMs: 500 });
    [prom, doomed] = await Promise.all([start(), start()]);
    const pool = 'max(backstop_test_db_connections_pct{environment="{environment}"})';
    const services = [
      ...PUSHED_METRICS.flatMap((m, i) => (['breach', 'calm'] as const).map((k) => service(svc(k, m), prom.url, m, `vector(${promValue(k, i)})`, 10, 'propose'))),
      service('watched-outage', doomed.url, 'database_connections_pct', pool, 90, 'auto'),
      service('watched-control', prom.url, 'database_connections_pct', pool, 90, 'auto'),
    ];
    b = await startBackstop({
      policy: `
monitoring: { tick: 500ms, watch_window: 6s }
api:
  tokens:
${TOKEN_ROLES_YAML}
# Only each service's own rule: the builtin table would judge these names too (error-rate-elevated fires at 1).
defaults: { rules: [] }
environments:
  # Two approvals: the control's rollback request below waits for a second one instead of executing.
  production: { approvals: { required: 2 } }
services:${services.join('')}
`,
    });
    // The stand-in's gauge is in both Prometheus instances before any watch starts (the first scrape takes ~5 s).
    await Promise.all([prom, doomed].map((p) => p.waitForSeries('backstop_test_db_connections_pct', 20_000)));
  }, 60_000);
  afterAll(async () => {
    await b?.close();
    await Promise.all([prom?.close(), doomed?.close()]);
    await standIn?.close();
  });

  const deploy = async (service: string, version: string) =>
    (await b.api('POST', '/api/deployments', 'ci', { service, environment: 'production', version, git_commit: 'abc1234' })).body.deployment_id as string;
  const check = async (id: string) => (await b.api('POST', '/api/rollbacks/check', 'viewer', { deployment_id: id })).body;
  const row = async (id: string) =>
    (await b.running.deps.pool.query(`select watch_result, health_check_passed, status from ops.deployments where deployment_id = $1`, [id])).rows[0];

  it.each(PUSHED_METRICS.map((m, i) => [m, i] as const))('%s from Prometheus wins over a pushed sample of the same name', async (metric, i) => {
    for (const kind of ['breach', 'calm'] as const) {
      const id = await deploy(svc(kind, metric), 'v1');
      const pushed = await b.api('POST', `/api/deployments/${id}/health`, 'ci', { [metric]: pushedValue(kind) });
      expect(pushed.status, JSON.stringify(pushed.body)).toBe(201);
      // The sample feeds no rule: the metric is the source's, so nothing is judged on its arrival.
      expect(pushed.body.decision).toBeNull();
      const res = await check(id);
      const seen = { kind, metric: res.assessment?.metrics?.[metric], should_rollback: res.should_rollback };
      expect(seen, JSON.stringify(res)).toEqual({
        kind,
        metric: { value: promValue(kind, i), observed_at: expect.any(String), source: expect.stringMatching(/^prometheus /) },
        should_rollback: kind === 'breach',
      });
      expect(res.assessment.verdict).toBe(kind === 'breach' ? 'unhealthy' : 'healthy');
    }
  });

  it('a watch whose only source goes down ends inconclusive, not passed, and is never a rollback target; the control passes', async () => {
    const [outage, control] = await Promise.all([deploy('watched-outage', 'v1'), deploy('watched-control', 'v1')]);
    // About 2 s into the watch, once the monitor has stored a healthy reading from the doomed Prometheus.
    await waitFor('a healthy reading 2 s into the watch', async () => {
      const r = await b.running.deps.pool.query(
        `select 1 from ops.rule_states s join ops.deployments d using (deployment_id)
         where s.deployment_id = $1 and s.verdict = 'ok' and s.observed_at >= d.deployed_at + interval '2 seconds'`,
        [outage],
      );
      return (r.rowCount ?? 0) > 0;
    }, 10_000);
    await doomed.close();

    const ended = await waitFor('both watches to end', async () => {
      const [o, c] = await Promise.all([row(outage), row(control)]);
      return o.watch_result && c.watch_result ? { o, c } : null;
    }, 20_000, 100);
    expect(ended.o, 'outage').toMatchObject({ watch_result: 'inconclusive', status: 'in_progress' });
    expect(ended.o.health_check_passed, 'outage').not.toBe(true);
    expect(ended.c, 'control').toMatchObject({ watch_result: 'healthy', health_check_passed: true, status: 'success' });

    // The next deployment of each: only the control's v1 may be rolled back to.
    const rollBack = async (service: string) => b.api('POST', '/api/rollbacks', 'alice', { deployment_id: await deploy(service, 'v2'), trigger_reason: 'v2 misbehaves' });
    const [fromOutage, fromControl] = await Promise.all([rollBack('watched-outage'), rollBack('watched-control')]);
    expect(fromOutage.status, JSON.stringify(fromOutage.body)).toBe(422);
    expect(fromOutage.body.validation.violations.join('\n')).toMatch(/No valid rollback target found/);
    expect(fromControl.status, JSON.stringify(fromControl.body)).toBe(201);
    expect(fromControl.body.target_deployment.deployment_id).toBe(control);
  }, 40_000);
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAlertmanager, type AlertmanagerServer } from '../support/alertmanager.ts';
import { startMetricsService, type MetricsService } from '../support/metrics-service.ts';
import { startPrometheus, type PrometheusServer } from '../support/prometheus.ts';
import { startBackstop, TOKENS, waitFor, type Backstop } from '../support/harness.ts';
import { ticksAfter } from '../support/monitor-ticks.ts';
import { recordWatched, rolledBack, rollbacksOf } from '../support/watched-deploys.ts';

// The whole loop with real parts: a service exposes /metrics, a real Prometheus scrapes it, backstop's tick queries
// Prometheus and rolls back on its own; a real Alertmanager delivers its webhook to backstop.

describe('monitoring with a real Prometheus and Alertmanager', () => {
  let metrics: MetricsService;
  let checkout: MetricsService;
  let prom: PrometheusServer;
  let am: AlertmanagerServer;
  let b: Backstop;

  beforeAll(async () => {
    metrics = await startMetricsService({ labels: { service: 'payments', environment: 'prod', version: 'v2' }, requestRatePerSecond: 5, errorRatePerSecond: 0 });
    // A second team's service, watched through Prometheus alone: no pushed samples, no probe.
    checkout = await startMetricsService({ labels: { service: 'checkout', environment: 'prod', version: 'v2' }, requestRatePerSecond: 5, errorRatePerSecond: 0 });
    prom = await startPrometheus({ scrapeTargets: [metrics.target, checkout.target], scrapeIntervalMs: 500 });
    b = await startBackstop({
      policy: `
monitoring: { tick: 500ms, watch_window: 1h }
api:
  tokens:
    ci: { roles: [deployer] }
    alice: { roles: [approver] }
    viewer: { roles: [viewer] }
defaults:
  rules: []
  approvals: { required: 1 }
  verification: { window: 200ms, interval: 100ms, on_no_data: pass }
environments:
  prod: {}
services:
  payments:
    environments: [prod]
    executor: { kind: command, argv: ${JSON.stringify([process.execPath, '-e', "fetch(process.argv[1], { method: 'POST' }).then((r) => process.exit(r.ok ? 0 : 1))", '__PAYMENTS__/deploy'])}, timeout: 10s }
    verification: { window: 15s, interval: 500ms, on_no_data: pass }
    sources:
      - kind: prometheus
        url: ${prom.url}
        timeout: 2s
        queries:
          errors_per_minute: 'sum(rate(backstop_test_errors_total{service="{service}",environment="{environment}"}[3s])) * 60'
          requests_per_minute: 'sum(rate(backstop_test_requests_total{service="{service}",environment="{environment}"}[3s])) * 60'
      - { kind: http_probe, url: "${metrics.url}/health", timeout: 1s, values: { p95_ms: p95_ms } }
    rules:
      - { name: prom-errors, metric: errors_per_minute, op: ">", threshold: 30, for: 2, action: auto, min_traffic: { metric: requests_per_minute, at_least: 60 } }
      - { name: api-unresponsive, metric: probe_up, op: "<", threshold: 1, for: 3, action: propose }
  search:
    environments: [prod]
    executor: { kind: command, argv: ["true"] }
  # Written as a Prometheus-only team writes it (DESIGN.md's sketch): the query is named like the seed's metric.
  # The rollback script puts the good build back; verification must see that in Prometheus, with no other data.
  checkout:
    environments: [prod]
    executor: { kind: command, argv: ${JSON.stringify([process.execPath, '-e', "fetch(process.argv[1], { method: 'POST' }).then((r) => process.exit(r.ok ? 0 : 1))", '__CHECKOUT__/deploy'])}, timeout: 10s }
    verification: { window: 15s, interval: 500ms, on_no_data: fail }
    sources:
      - kind: prometheus
        url: ${prom.url}
        queries:
          error_rate_per_minute: 'sum(rate(backstop_test_errors_total{service="{service}",environment="{environment}"}[3s])) * 60'
    rules:
      - { name: error-rate-critical, metric: error_rate_per_minute, op: ">", threshold: 5, for: 2, action: auto }
`.replace('__CHECKOUT__', checkout.url).replace('__PAYMENTS__', metrics.url),
    });
    am = await startAlertmanager({ webhookUrl: `${b.url}/api/alerts/alertmanager`, bearerToken: TOKENS.ci });
  }, 60_000);
  afterAll(async () => {
    await am?.close();
    await b?.close();
    await prom?.close();
    await metrics?.close();
    await checkout?.close();
  });

  const deploy = (service: string, version: string, good: boolean) => recordWatched(b, service, version, good);

  it('rolls back when the error rate Prometheus reports breaches for two ticks', async () => {
    await deploy('payments', 'v1', true);
    const bad = await deploy('payments', 'v2', false);
    await prom.waitForSeries('backstop_test_requests_total', 20_000);
    // Healthy traffic first: once the rule has judged it healthy (a value from Prometheus, not "no data"), as many
    // more ticks as the rule needs breaches to act (`for: 2`) leave nothing behind.
    const judged = await waitFor('prom-errors to judge the healthy rate', async () => {
      const { rows } = await b.running.deps.pool.query<{ updated_at: Date }>(
        `select updated_at from ops.rule_states where deployment_id = $1 and rule = 'prom-errors' and verdict = 'ok'`,
        [bad],
      );
      return rows[0]?.updated_at;
    }, 20_000);
    await ticksAfter(b, judged.getTime(), 2);
    expect(await rollbacksOf(b, bad)).toEqual([]);
    metrics.setErrorRatePerSecond(3);
    const done = await rolledBack(b, bad);
    expect(done.status, JSON.stringify({ reason: done.status_reason, validation: done.validation })).toBe('succeeded');
    expect(done.trigger_type).toBe('automatic');
    expect(done.trigger_data).toMatchObject({ rule: 'prom-errors', metric: 'errors_per_minute', op: '>', threshold: 30, consecutive: 2, decision: 'auto' });
    expect(done.trigger_data.source).toMatch(/^prometheus http:\/\/127\.0\.0\.1:\d+/);
    expect(done.trigger_data.observed).toBeGreaterThan(30);
  }, 90_000);

  it('protects a Prometheus-only team: a bad deploy is detected, rolled back and verified healthy from Prometheus alone', async () => {
    const good = await deploy('checkout', 'v1', true);
    const bad = await deploy('checkout', 'v2', false);
    await prom.waitForSeries('backstop_test_errors_total{service="checkout"}', 20_000);
    // Healthy, by Prometheus: the check says so (not "inconclusive": the source's value is used).
    await waitFor('Prometheus to report the healthy rate', async () => (await b.api('POST', '/auto-rollback/check', 'viewer', { deployment_id: bad })).body.health?.healthy === true, 20_000, 200);
    checkout.setErrorRatePerSecond(3); // 180 errors/min
    const done = await rolledBack(b, bad);
    expect(done.status, JSON.stringify({ reason: done.status_reason, steps: done.rollback_steps })).toBe('succeeded');
    expect(done.trigger_type).toBe('automatic');
    expect(done.trigger_reason).toMatch(/^High error rate \(\d+(\.\d+)? errors\/minute\)$/);
    expect(done.trigger_data).toMatchObject({ rule: 'error-rate-critical', metric: 'error_rate_per_minute', consecutive: 2, decision: 'auto' });
    expect(done.trigger_data.source).toMatch(/^prometheus /);
    // Law 3 read the entropy from Prometheus for the deployment rolled back: no "entropy unknown" warning.
    expect(done.validation.warnings.join(' ')).not.toMatch(/entropy unknown/);
    // Verified from Prometheus: the last assessment of the restored version was healthy.
    const verify = done.rollback_steps.find((s: { step: string }) => s.step === 'verify');
    expect(verify.detail.summary).toMatch(/^Healthy: error_rate_per_minute = 0 not >/);
    // v1 was the target, and the deployment a rollback restored is what the check now calls healthy.
    expect(done.target_deployment_id).toBe(good);
  }, 90_000);

  it('turns a firing alert delivered by the real Alertmanager into a proposal', async () => {
    await deploy('search', 'v1', true);
    const bad = await deploy('search', 'v2', false);
    await am.fireAlert({ alertname: 'SearchLatency', service: 'search', environment: 'prod', severity: 'page' }, { summary: 'search p95 above 5 s' });
    const [event] = await waitFor('a proposal from the alert', async () => {
      const list = await rollbacksOf(b, bad);
      return list.length ? list : null;
    }, 20_000);
    const e = (await b.api('GET', `/api/rollbacks/${event!.event_id}`, 'viewer')).body;
    expect(e).toMatchObject({ status: 'awaiting_approval', trigger_type: 'alert', trigger_reason: 'Alert firing: search p95 above 5 s' });
    await am.resolveAlert({ alertname: 'SearchLatency', service: 'search', environment: 'prod', severity: 'page' });
    await waitFor('the resolution to be recorded', async () => {
      const r = await b.running.deps.pool.query(`select count(*)::int as n from ops.health_decisions where deployment_id = $1 and action = 'alert_resolved'`, [bad]);
      return r.rows[0].n === 1;
    }, 20_000);
  }, 60_000);
});

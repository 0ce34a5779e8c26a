import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAlertmanager, type AlertmanagerServer } from '../support/alertmanager.ts';
import { startMetricsService, type MetricsService } from '../support/metrics-service.ts';
import { startPrometheus, type PrometheusServer } from '../support/prometheus.ts';
import { startBackstop, TOKENS, waitFor, type Backstop } from '../support/harness.ts';

// The whole loop with real parts: a service exposes /metrics, a real Prometheus scrapes it, backstop's tick queries
// Prometheus and rolls back on its own; a real Alertmanager delivers its webhook to backstop.

describe('monitoring with a real Prometheus and Alertmanager', () => {
  let metrics: MetricsService;
  let prom: PrometheusServer;
  let am: AlertmanagerServer;
  let b: Backstop;

  beforeAll(async () => {
    metrics = await startMetricsService({ labels: { service: 'payments', environment: 'prod', version: 'v2' }, requestRatePerSecond: 5, errorRatePerSecond: 0 });
    prom = await startPrometheus({ scrapeTargets: [metrics.target], scrapeIntervalMs: 500 });
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
    executor: { kind: command, argv: ["true"] }
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
`,
    });
    am = await startAlertmanager({ webhookUrl: `${b.url}/api/alerts/alertmanager`, bearerToken: TOKENS.ci });
  }, 60_000);
  afterAll(async () => {
    await am?.close();
    await b?.close();
    await prom?.close();
    await metrics?.close();
  });

  async function deploy(service: string, version: string, good: boolean): Promise<string> {
    const rec = await b.api('POST', '/api/deployments', 'ci', { service, environment: 'prod', version, git_commit: 'abc1234' });
    const id = rec.body.deployment_id as string;
    if (good) await b.api('POST', `/api/deployments/${id}/complete`, 'ci', { status: 'success', health_check_passed: true });
    return id;
  }
  const rollbacksOf = async (deploymentId: string) =>
    ((await b.api('GET', '/api/rollbacks?limit=50', 'viewer')).body.rollbacks as Array<{ deployment_id: string; event_id: string; status: string }>).filter((r) => r.deployment_id === deploymentId);

  it('rolls back when the error rate Prometheus reports breaches for two ticks', async () => {
    await deploy('payments', 'v1', true);
    const bad = await deploy('payments', 'v2', false);
    await prom.waitForSeries('backstop_test_requests_total', 20_000);
    // Healthy traffic first: nothing happens.
    await new Promise((r) => setTimeout(r, 2_000));
    expect(await rollbacksOf(bad)).toEqual([]);
    metrics.setErrorRatePerSecond(3);
    const [event] = await waitFor('an automatic rollback', async () => {
      const list = await rollbacksOf(bad);
      return list.length ? list : null;
    }, 30_000);
    const done = await waitFor('it to finish', async () => {
      const e = (await b.api('GET', `/api/rollbacks/${event!.event_id}`, 'viewer')).body;
      return ['succeeded', 'failed', 'rejected'].includes(e.status) ? e : null;
    }, 20_000);
    expect(done.status, JSON.stringify(done.validation)).toBe('succeeded');
    expect(done.trigger_type).toBe('automatic');
    expect(done.trigger_data).toMatchObject({ rule: 'prom-errors', metric: 'errors_per_minute', op: '>', threshold: 30, consecutive: 2, decision: 'auto' });
    expect(done.trigger_data.source).toMatch(/^prometheus http:\/\/127\.0\.0\.1:\d+/);
    expect(done.trigger_data.observed).toBeGreaterThan(30);
  }, 90_000);

  it('turns a firing alert delivered by the real Alertmanager into a proposal', async () => {
    await deploy('search', 'v1', true);
    const bad = await deploy('search', 'v2', false);
    await am.fireAlert({ alertname: 'SearchLatency', service: 'search', environment: 'prod', severity: 'page' }, { summary: 'search p95 above 5 s' });
    const [event] = await waitFor('a proposal from the alert', async () => {
      const list = await rollbacksOf(bad);
      return list.length ? list : null;
    }, 20_000);
    const e = (await b.api('GET', `/api/rollbacks/${event!.event_id}`, 'viewer')).body;
    expect(e).toMatchObject({ status: 'awaiting_approval', trigger_type: 'alert', trigger_reason: expect.stringContaining('Alertmanager: search p95 above 5 s') });
    await am.resolveAlert({ alertname: 'SearchLatency', service: 'search', environment: 'prod', severity: 'page' });
    await waitFor('the resolution to be recorded', async () => {
      const r = await b.running.deps.pool.query(`select count(*)::int as n from ops.health_decisions where deployment_id = $1 and action = 'alert_resolved'`, [bad]);
      return r.rows[0].n === 1;
    }, 20_000);
  }, 60_000);
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMetricsService, type MetricsService } from '../support/metrics-service.ts';
import { startPrometheus, type PrometheusServer } from '../support/prometheus.ts';
import { startBackstop, waitFor, type Backstop } from '../support/harness.ts';
import { ticksAfter } from '../support/monitor-ticks.ts';
import { recordWatched, rolledBack, rollbacksOf } from '../support/watched-deploys.ts';

// Baselines with real parts: a canary and the known-good version run side by side, a real Prometheus scrapes both,
// and backstop compares the canary's errors per request with the baseline's on every tick, then rolls back on its own.
// A second service compares pushed latency samples with the previous deployment's (before/after).

describe('comparing against a baseline', () => {
  let stable: MetricsService;
  let canary: MetricsService;
  let bigStable: MetricsService;
  let smallCanary: MetricsService;
  let prom: PrometheusServer;
  let b: Backstop;

  beforeAll(async () => {
    // The same service and environment; only the version label tells them apart, as a canary's metrics do.
    stable = await startMetricsService({ labels: { service: 'checkout', environment: 'prod', version: 'v1' }, requestRatePerSecond: 100, errorRatePerSecond: 1 });
    canary = await startMetricsService({ labels: { service: 'checkout', environment: 'prod', version: 'v2' }, requestRatePerSecond: 100, errorRatePerSecond: 1 });
    // A canary that takes a twentieth of the traffic: its per-minute samples are not comparable with the stable one's.
    bigStable = await startMetricsService({ labels: { service: 'inventory', environment: 'prod', version: 'v1' }, requestRatePerSecond: 100 });
    smallCanary = await startMetricsService({ labels: { service: 'inventory', environment: 'prod', version: 'v2' }, requestRatePerSecond: 5 });
    prom = await startPrometheus({ scrapeTargets: [stable.target, canary.target, bigStable.target, smallCanary.target], scrapeIntervalMs: 500 });
    b = await startBackstop({
      policy: `
monitoring: { tick: 500ms }
api:
  tokens:
    ci: { roles: [deployer] }
    viewer: { roles: [viewer] }
defaults:
  rules: []
  approvals: { required: 1 }
  verification: { window: 200ms, interval: 100ms, on_no_data: pass }
environments:
  prod: {}
services:
  # Written as a team with a canary writes it: counts over {window}, told apart by {version}.
  checkout:
    environments: [prod]
    executor: { kind: command, argv: ${JSON.stringify([process.execPath, '-e', "fetch(process.argv[1], { method: 'POST' }).then((r) => process.exit(r.ok ? 0 : 1))", '__CANARY__/deploy'])}, timeout: 10s }
    sources:
      - kind: prometheus
        url: ${prom.url}
        queries:
          errors: 'sum(increase(backstop_test_errors_total{service="{service}",version="{version}"}[{window}]))'
          requests: 'sum(increase(backstop_test_requests_total{service="{service}",version="{version}"}[{window}]))'
    rules:
      - name: errors-vs-stable
        metric: errors
        baseline: { against: canary, test: rate, per: requests, at_most: "+20%" }
        action: auto
  # The same counts, broken as a query can be: divided by zero, Prometheus answers +Inf.
  ledger:
    environments: [prod]
    executor: { kind: command, argv: ["true"] }
    sources:
      - kind: prometheus
        url: ${prom.url}
        queries:
          errors: 'sum(increase(backstop_test_errors_total{service="checkout",version="{version}"}[{window}])) / 0'
          requests: 'sum(increase(backstop_test_requests_total{service="checkout",version="{version}"}[{window}]))'
    rules:
      - { name: errors-vs-before, metric: errors, baseline: { test: rate, per: requests }, action: auto }
  # Samples beside a canary, with the requests behind them: traffic this uneven is not compared.
  inventory:
    environments: [prod]
    executor: { kind: command, argv: ["true"] }
    sources:
      - kind: prometheus
        url: ${prom.url}
        queries:
          connections: 'max(backstop_test_db_connections_pct{service="{service}",version="{version}"})'
          requests: 'sum(increase(backstop_test_requests_total{service="{service}",version="{version}"}[{window}]))'
    rules:
      - { name: connections-vs-stable, metric: connections, baseline: { against: canary, test: distribution, per: requests }, action: auto }
  # Before/after on pushed samples: this deployment's p95 against the previous one's, over the watch's length before it.
  search:
    environments: [prod]
    executor: { kind: command, argv: ["true"] }
    rules:
      - name: slower-than-before
        metric: p95_ms
        baseline: { test: distribution }
        action: propose
`.replace('__CANARY__', canary.url),
    });
  }, 60_000);
  afterAll(async () => {
    await b?.close();
    await prom?.close();
    await stable?.close();
    await canary?.close();
    await bigStable?.close();
    await smallCanary?.close();
  });

  const deploy = (service: string, version: string, good: boolean) => recordWatched(b, service, version, good);
  const ruleState = async (deploymentId: string, rule: string) =>
    (await b.running.deps.pool.query<{ verdict: string; updated_at: Date }>(`select verdict, updated_at from ops.rule_states where deployment_id = $1 and rule = $2`, [deploymentId, rule])).rows[0];

  it('rolls a canary back when its errors per request rise well past the baseline beside it, and says by how much', async () => {
    await deploy('checkout', 'v1', true);
    const bad = await deploy('checkout', 'v2', false);
    await prom.waitForSeries('backstop_test_requests_total{version="v2"}', 20_000);
    // Same errors per request as the baseline: judged, and within the allowance. The check says the same.
    const judged = await waitFor('the canary to be judged healthy against v1', async () => {
      const s = await ruleState(bad, 'errors-vs-stable');
      return s?.verdict === 'ok' ? s.updated_at : undefined;
    }, 30_000, 100);
    const check = (await b.api('POST', '/auto-rollback/check', 'viewer', { deployment_id: bad })).body;
    expect(check.health.healthy, JSON.stringify(check)).toBe(true);
    await ticksAfter(b, judged.getTime(), 3);
    expect(await rollbacksOf(b, bad)).toEqual([]);

    canary.setErrorRatePerSecond(15); // 15% of requests fail, against v1's 1%
    const done = await rolledBack(b, bad, 40_000);
    expect(done.status, JSON.stringify({ reason: done.status_reason, steps: done.rollback_steps })).toBe('succeeded');
    expect(done.trigger_type).toBe('automatic');
    expect(done.trigger_data).toMatchObject({ rule: 'errors-vs-stable', test: 'rate', against: 'canary', per: 'requests', baseline_version: 'v1', decision: 'auto' });
    expect(done.trigger_data.effect).toBeGreaterThan(1.2);
    expect(done.trigger_data.p_value).toBeLessThanOrEqual(0.01);
    const [lower, upper] = done.trigger_data.interval as [number, number];
    expect(lower).toBeGreaterThan(1.2);
    expect(upper).toBeGreaterThanOrEqual(done.trigger_data.effect);
    expect(done.trigger_data.counted.current).toBeGreaterThanOrEqual(100);
    // The reason a person reads names the ratio, the baseline version, the interval and the traffic behind it.
    expect(done.trigger_reason).toMatch(/^errors\/requests \d+(\.\d)?× v1's \(v1: [\d.]+%, now [\d.]+%; 99% interval [\d.]+–[\d.]+×; [\d,]+ requests now, [\d,]+ before\): more than the \+20% allowed$/);
  }, 120_000);

  it('calls Inf from Prometheus inconclusive, never a rollback, and says which query gave it', async () => {
    await deploy('ledger', 'v1', true);
    const id = await deploy('ledger', 'v2', false);
    await prom.waitForSeries('backstop_test_errors_total{version="v2"}', 20_000);
    const check = await waitFor('the check to read Prometheus', async () => {
      const body = (await b.api('POST', '/auto-rollback/check', 'viewer', { deployment_id: id })).body;
      return /errors \(now\)/.test(body.reason) ? body : undefined;
    }, 20_000, 200);
    expect(check.assessment.verdict, JSON.stringify(check)).toBe('inconclusive');
    expect(check.should_rollback).toBe(false);
    expect(check.reason).toMatch(/^Inconclusive: errors: errors \(now\): .*Inf/i);
    await ticksAfter(b, Date.now(), 3);
    expect(await rollbacksOf(b, id)).toEqual([]);
  }, 60_000);

  it('does not compare a canary\'s samples with the stable version\'s when their traffic differs twentyfold', async () => {
    await deploy('inventory', 'v1', true);
    const id = await deploy('inventory', 'v2', false);
    await prom.waitForSeries('backstop_test_requests_total{service="inventory",version="v2"}', 20_000);
    const check = await waitFor('the check to read the traffic', async () => {
      const body = (await b.api('POST', '/auto-rollback/check', 'viewer', { deployment_id: id })).body;
      return /not comparable/.test(body.reason) ? body : undefined;
    }, 20_000, 200);
    expect(check.assessment.verdict, JSON.stringify(check)).toBe('inconclusive');
    expect(check.reason).toMatch(/^Inconclusive: connections: requests now [\d.]+\/s against v1's [\d.]+\/s; samples over traffic this different are not comparable$/);
    await ticksAfter(b, Date.now(), 3);
    expect(await rollbacksOf(b, id)).toEqual([]);
  }, 60_000);

  it('proposes a rollback when pushed latency is slower than the previous deployment\'s, and is inconclusive on too little data', async () => {
    const push = (id: string, p95: number) => b.api('POST', `/api/deployments/${id}/health`, 'ci', { p95_ms: p95 });
    const before = await deploy('search', 'v1', true);
    // The previous deployment's samples, reported before the new one began: the baseline.
    for (let i = 0; i < 15; i++) expect((await push(before, 200 + (i % 5) * 10)).status).toBe(201);
    const slow = await deploy('search', 'v2', false);
    // Too little data is inconclusive, never a pass: the check says so and why.
    await push(slow, 210);
    const early = (await b.api('POST', '/auto-rollback/check', 'viewer', { deployment_id: slow })).body;
    expect(early.assessment.verdict, JSON.stringify(early)).toBe('inconclusive');
    expect(early.should_rollback).toBe(false);
    expect(early.reason).toMatch(/^Inconclusive: p95_ms: too little to compare with v1 \(1 samples now, 15 before; at least 10 on each side needed\)/);
    for (let i = 0; i < 14; i++) expect((await push(slow, 400 + (i % 5) * 10)).status).toBe(201);
    const [event] = await waitFor('a proposal', async () => {
      const list = await rollbacksOf(b, slow);
      return list.length ? list : null;
    }, 30_000);
    const e = (await b.api('GET', `/api/rollbacks/${event!.event_id}`, 'viewer')).body;
    expect(e).toMatchObject({ status: 'awaiting_approval', trigger_type: 'automatic' });
    expect(e.trigger_data).toMatchObject({ rule: 'slower-than-before', test: 'distribution', against: 'previous', baseline_version: 'v1' });
    expect(e.trigger_reason).toMatch(/^p95_ms median \d+ against v1's \d+ \(\+\d+%\)/);
  }, 90_000);
});

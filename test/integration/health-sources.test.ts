import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAlertmanagerPayload } from '../../src/health/alertmanager-payload.ts';
import { createHttpProbeSource } from '../../src/health/sources/http-probe.ts';
import { createPrometheusSource } from '../../src/health/sources/prometheus.ts';
import type { MetricReading, SourceTarget } from '../../src/health/sources/types.ts';
import { startAlertmanager, startWebhookReceiver, type WebhookReceiver } from '../support/alertmanager.ts';
import { startMetricsService, type MetricsService } from '../support/metrics-service.ts';
import { freePort } from '../support/processes.ts';
import { startPrometheus, type PrometheusServer } from '../support/prometheus.ts';

const TARGET: SourceTarget = { service: 'payments', environment: 'production', deploymentId: 'd-1', version: 'v2' };
const clock = () => new Date();
const deps = { fetch: globalThis.fetch, clock };
const byMetric = (readings: MetricReading[]) => Object.fromEntries(readings.map((r) => [r.metric, r]));

/** A server that accepts every request and never answers: a hung Prometheus or health endpoint. */
async function startSilentServer(): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer(() => {});
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((r) => (server.closeAllConnections(), server.close(() => r()))),
  };
}

describe('prometheus source against a real Prometheus', () => {
  let svc: MetricsService;
  let prom: PrometheusServer;
  const errors = 'backstop_test_errors_total{service="{service}",environment="{environment}"}';

  beforeAll(async () => {
    svc = await startMetricsService({ requestRatePerSecond: 20, errorRatePerSecond: 2 });
    prom = await startPrometheus({ scrapeTargets: [svc.target], scrapeIntervalMs: 500 });
    // rate() divides by the whole range, so wait until the 2 s window is full of samples (the first scrape alone
    // comes ~5 s after start: Prometheus applies discovered targets on a 5 s tick).
    await prom.waitForSeries('count_over_time(backstop_test_errors_total[2s]) >= 4', 20_000);
  }, 30_000);
  afterAll(async () => {
    await prom?.close();
    await svc?.close();
  });

  const source = (queries: Record<string, string>, over: { url?: string; timeoutMs?: number } = {}) =>
    createPrometheusSource({ url: over.url ?? prom.url, timeoutMs: over.timeoutMs ?? 2_000, queries }, deps);

  it('reads the error rate per minute from rate() over the service counter, with the target substituted', async () => {
    const readings = await source({
      error_rate_per_minute: `sum(rate(${errors}[2s])) * 60`,
      database_connections_pct: 'max(backstop_test_db_connections_pct{service="{service}",version="{version}"})',
    }).read(TARGET);
    const m = byMetric(readings);
    // 2 errors/s is 120/min; scrape timing jitters a little.
    expect(m.error_rate_per_minute!.value).toBeGreaterThan(100);
    expect(m.error_rate_per_minute!.value).toBeLessThan(140);
    expect(m.error_rate_per_minute!.detail).toContain('service="payments",environment="production"');
    expect(m.database_connections_pct).toMatchObject({ value: 40, source: `prometheus ${prom.url}` });
    expect(m.database_connections_pct!.observedAt).toBeInstanceOf(Date);
  });

  it('takes the largest of several series and says so; reads a scalar', async () => {
    const m = byMetric(
      await source({
        both: '{__name__=~"backstop_test_(requests|errors)_total",service="{service}"}',
        pct: 'scalar(max(backstop_test_db_connections_pct))',
      }).read(TARGET),
    );
    expect(m.both!.value).toBeGreaterThan(0);
    expect(m.both!.detail).toMatch(/^max of 2 series/);
    expect(m.pct!.value).toBe(40);
  });

  it('is inconclusive, with the reason, for an empty result, NaN, ±Inf and a range vector', async () => {
    const m = byMetric(
      await source({
        empty: 'backstop_test_errors_total{service="no-such-service"}',
        nan: '0/0',
        inf: '1/0',
        neg_inf: '-1/0',
        nan_vector: 'backstop_test_db_connections_pct * 0 / 0',
        range: 'backstop_test_errors_total[2s]',
      }).read(TARGET),
    );
    expect(m.empty).toMatchObject({ value: null, detail: 'empty result' });
    expect(m.nan).toMatchObject({ value: null, detail: 'NaN' });
    expect(m.inf).toMatchObject({ value: null, detail: '+Inf' });
    expect(m.neg_inf).toMatchObject({ value: null, detail: '-Inf' });
    expect(m.nan_vector).toMatchObject({ value: null, detail: 'NaN' });
    expect(m.range).toMatchObject({ value: null, detail: 'expected an instant vector or scalar, got matrix' });
  });

  it('escapes target values: a quote in a service name cannot break out of the label matcher', async () => {
    const template = `sum(${errors})`;
    const injection = 'x"}) or vector(1) or sum(up{a="';
    // Pasted in raw, this service name is valid PromQL that answers 1, whatever the service's health.
    const raw = template.replace('{service}', injection).replace('{environment}', 'production');
    expect(await prom.query(raw)).toMatchObject({ resultType: 'vector', result: [{ value: [expect.any(Number), '1'] }] });

    for (const service of [injection, 'payments\\']) {
      const [reading] = await source({ errors: template }).read({ ...TARGET, service });
      // Escaped, the whole value stays one label value that matches nothing: no parse error, no injected vector(1).
      expect(reading, service).toMatchObject({ value: null, detail: 'empty result' });
    }
    // A newline is dropped rather than escaped (it has no place in a label value): "produc\ntion" reads production.
    const [joined] = await source({ errors: template }).read({ ...TARGET, environment: 'produc\ntion' });
    expect(joined!.value).toBeGreaterThan(0);
  });

  it('reports bad PromQL with the error Prometheus gives', async () => {
    const [reading] = await source({ broken: 'sum(rate(backstop_test_errors_total[2s]' }).read(TARGET);
    expect(reading!.value).toBeNull();
    expect(reading!.detail).toMatch(/^prometheus error \(HTTP 400\): bad_data: .*parse error/);
  });

  it('never sends credentials anywhere but the Authorization header, and never returns them', async () => {
    const withCreds = prom.url.replace('http://', 'http://scraper:s3cret@');
    const readings = await source({ pct: 'max(backstop_test_db_connections_pct)', missing: 'nope_total' }, { url: withCreds }).read(TARGET);
    expect(byMetric(readings).pct!.value).toBe(40);
    expect(JSON.stringify(readings)).not.toContain('s3cret');
  });

  it('a Prometheus that has gone away answers null at once, with the reason, and does not throw', async () => {
    const gone = await startPrometheus({ scrapeTargets: [] });
    await gone.close();
    const started = Date.now();
    const readings = await source({ a: 'up', b: 'vector(1)' }, { url: gone.url }).read(TARGET);
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(readings).toHaveLength(2);
    for (const r of readings) expect(r).toMatchObject({ value: null, detail: 'prometheus unreachable: ECONNREFUSED' });
  });

  it('a Prometheus that never answers is null after the timeout; the caller can abort sooner', async () => {
    const silent = await startSilentServer();
    try {
      let started = Date.now();
      const [slow] = await source({ a: 'up' }, { url: silent.url, timeoutMs: 300 }).read(TARGET);
      expect(slow).toMatchObject({ value: null, detail: 'timed out after 300 ms' });
      expect(Date.now() - started).toBeGreaterThanOrEqual(290);
      expect(Date.now() - started).toBeLessThan(1_500);

      started = Date.now();
      const [aborted] = await source({ a: 'up' }, { url: silent.url, timeoutMs: 5_000 }).read(TARGET, AbortSignal.timeout(100));
      expect(aborted).toMatchObject({ value: null, detail: 'aborted' });
      expect(Date.now() - started).toBeLessThan(1_500);
    } finally {
      await silent.close();
    }
  });
});

describe('http probe source against a real HTTP health endpoint', () => {
  let svc: MetricsService;
  beforeAll(async () => {
    svc = await startMetricsService();
  });
  afterAll(() => svc?.close());

  const values = { p95_ms: 'p95_ms', database_connections_pct: 'checks.db.connections_pct', error_rate_per_minute: 'error_rate_per_minute', missing: 'checks.cache.hit_pct', status: 'status' };
  const probe = (url = `${svc.url}/health?service={service}&env={environment}`, timeoutMs = 500) => createHttpProbeSource({ url, timeoutMs, values }, deps);

  it('reads values by dotted path (numbers and numeric strings) and reports probe_up 1', async () => {
    svc.setP95Ms(250);
    svc.setDbConnectionsPct(93.5);
    svc.setErrorRatePerSecond(0.1);
    const readings = await probe().read(TARGET);
    expect(readings[0]!.metric).toBe('probe_up');
    const m = byMetric(readings);
    expect(m.probe_up).toMatchObject({ value: 1, detail: 'answered 200', source: `http_probe ${svc.url}/health` });
    expect(m.p95_ms).toMatchObject({ value: 250, detail: 'p95_ms' });
    expect(m.database_connections_pct).toMatchObject({ value: 93.5 });
    expect(m.error_rate_per_minute!.value).toBeCloseTo(6, 6);
    expect(m.missing).toMatchObject({ value: null, detail: 'no value at checks.cache.hit_pct' });
    expect(m.status).toMatchObject({ value: null, detail: 'status: not numeric' });
  });

  it('an unresponsive endpoint: probe_up 0 after the timeout and every other value null with the reason', async () => {
    svc.setUnresponsive(true);
    try {
      const started = Date.now();
      const m = byMetric(await probe().read(TARGET));
      expect(Date.now() - started).toBeLessThan(2_000);
      expect(m.probe_up).toMatchObject({ value: 0, detail: 'timed out after 500 ms' });
      for (const name of Object.keys(values)) expect(m[name]).toMatchObject({ value: null, detail: 'timed out after 500 ms' });
    } finally {
      svc.setUnresponsive(false);
    }
  });

  it('non-JSON, non-2xx and unreachable all mean probe_up 0', async () => {
    svc.setHealthBody('<html>502 Bad Gateway</html>');
    expect(byMetric(await probe().read(TARGET)).probe_up).toMatchObject({ value: 0, detail: 'endpoint answered 200 with something that is not JSON' });
    svc.setHealthBody(null);

    svc.setHealthy(false);
    const unhealthy = byMetric(await probe().read(TARGET));
    expect(unhealthy.probe_up).toMatchObject({ value: 0, detail: 'endpoint answered HTTP 503' });
    expect(unhealthy.p95_ms).toMatchObject({ value: null, detail: 'endpoint answered HTTP 503' });
    svc.setHealthy(true);

    const closed = byMetric(await probe(`http://127.0.0.1:${await freePort()}/health`).read(TARGET));
    expect(closed.probe_up).toMatchObject({ value: 0, detail: 'endpoint unreachable: ECONNREFUSED' });
    expect(byMetric(await probe().read(TARGET)).probe_up!.value).toBe(1);
  });
});

describe('a real Alertmanager delivers webhooks that parseAlertmanagerPayload accepts', () => {
  const TOKEN = 'am-webhook-token';
  let receiver: WebhookReceiver;
  let am: Awaited<ReturnType<typeof startAlertmanager>>;
  beforeAll(async () => {
    receiver = await startWebhookReceiver('/api/alerts/alertmanager');
    am = await startAlertmanager({ webhookUrl: receiver.url, bearerToken: TOKEN });
  });
  afterAll(async () => {
    await am?.close();
    await receiver?.close();
  });

  const labels = { service: 'payments', environment: 'production', alertname: 'HighErrorRate' };
  const statusOf = (json: unknown) => (json as { status?: string } | undefined)?.status;

  it('fires, then resolves, with the bearer token on every delivery', async () => {
    await am.fireAlert(labels, { summary: 'error rate above 5/min' });
    const firing = await receiver.waitFor((r) => statusOf(r.json) === 'firing');
    expect(firing.method).toBe('POST');
    expect(firing.headers.authorization).toBe(`Bearer ${TOKEN}`);
    const parsed = parseAlertmanagerPayload(firing.json);
    if (!parsed.ok) throw new Error(parsed.errors.map((e) => `${e.path}: ${e.message}`).join('\n'));
    expect(parsed.payload).toMatchObject({ version: '4', status: 'firing', commonLabels: labels, groupLabels: labels });
    expect(parsed.payload.alerts).toHaveLength(1);
    expect(parsed.payload.alerts[0]).toMatchObject({ status: 'firing', labels, annotations: { summary: 'error rate above 5/min' } });

    await am.resolveAlert(labels);
    const resolved = await receiver.waitFor((r) => statusOf(r.json) === 'resolved');
    expect(resolved.headers.authorization).toBe(`Bearer ${TOKEN}`);
    const again = parseAlertmanagerPayload(resolved.json);
    if (!again.ok) throw new Error(again.errors.map((e) => `${e.path}: ${e.message}`).join('\n'));
    expect(again.payload.status).toBe('resolved');
    expect(again.payload.alerts[0]).toMatchObject({ status: 'resolved', labels, fingerprint: parsed.payload.alerts[0]!.fingerprint });
    expect(Date.parse(again.payload.alerts[0]!.endsAt)).toBeLessThanOrEqual(Date.now());
  });
});

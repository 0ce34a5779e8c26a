import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface MetricsServiceLabels {
  service: string;
  environment: string;
  version: string;
}

export interface MetricsService {
  /** http://127.0.0.1:PORT */
  url: string;
  /** host:port, the form a Prometheus static target takes. */
  target: string;
  labels: MetricsServiceLabels;
  setRequestRatePerSecond(n: number): void;
  setErrorRatePerSecond(n: number): void;
  setDbConnectionsPct(n: number): void;
  setP95Ms(n: number): void;
  /** false: /health answers 503 {"status":"unhealthy"}. */
  setHealthy(healthy: boolean): void;
  /** true: every request (including /metrics) hangs without an answer until this is set back or the service closes. */
  setUnresponsive(unresponsive: boolean): void;
  /** Replace /health's body with raw text (e.g. an HTML error page); null restores the JSON body. */
  setHealthBody(text: string | null): void;
  /** How many times /metrics was scraped. */
  scrapes(): number;
  close(): Promise<void>;
}

/**
 * A stand-in for the deployed service: Prometheus text at /metrics, JSON at /health, and POST /deploy, which a
 * rollback script calls to put the good build back (errors stop). The counters advance with wall time
 * at the configured rates, so `rate()` over them in a real Prometheus gives the rate back.
 */
export async function startMetricsService(opts: { labels?: Partial<MetricsServiceLabels>; requestRatePerSecond?: number; errorRatePerSecond?: number } = {}): Promise<MetricsService> {
  const labels: MetricsServiceLabels = { service: 'payments', environment: 'production', version: 'v2', ...opts.labels };
  let requestRate = opts.requestRatePerSecond ?? 10;
  let errorRate = opts.errorRatePerSecond ?? 0;
  let requests = 0;
  let errors = 0;
  let last = performance.now();
  let dbConnectionsPct = 40;
  let p95Ms = 120;
  let healthy = true;
  let unresponsive = false;
  let healthBody: string | null = null;
  let scrapes = 0;
  const hanging = new Set<ServerResponse>();

  // Counters accrue at the rate in force since the last change, so changing a rate never rewrites history.
  const advance = () => {
    const now = performance.now();
    const seconds = (now - last) / 1000;
    last = now;
    requests += requestRate * seconds;
    errors += errorRate * seconds;
  };

  const labelText = Object.entries(labels as unknown as Record<string, string>)
    .map(([k, v]) => `${k}="${v.replace(/[\\"]/g, (c: string) => `\\${c}`).replace(/\n/g, '\\n')}"`)
    .join(',');
  const exposition = () =>
    [
      '# HELP backstop_test_requests_total Requests served.',
      '# TYPE backstop_test_requests_total counter',
      `backstop_test_requests_total{${labelText}} ${requests}`,
      '# HELP backstop_test_errors_total Requests that failed.',
      '# TYPE backstop_test_errors_total counter',
      `backstop_test_errors_total{${labelText}} ${errors}`,
      '# HELP backstop_test_db_connections_pct Share of the database connection pool in use.',
      '# TYPE backstop_test_db_connections_pct gauge',
      `backstop_test_db_connections_pct{${labelText}} ${dbConnectionsPct}`,
      '',
    ].join('\n');

  const healthJson = () => ({
    status: healthy ? 'ok' : 'unhealthy',
    version: labels.version,
    p95_ms: p95Ms,
    // Some services report numbers as strings; the probe reads both.
    error_rate_per_minute: String(errorRate * 60),
    checks: { db: { status: dbConnectionsPct < 100 ? 'ok' : 'saturated', connections_pct: dbConnectionsPct } },
  });

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    if (unresponsive) {
      // Hold the request open: the caller's timeout is what ends it.
      hanging.add(res);
      res.on('close', () => hanging.delete(res));
      return;
    }
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (path === '/metrics') {
      scrapes++;
      advance();
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' }).end(exposition());
    } else if (path === '/deploy' && req.method === 'POST') {
      // What a rollback script does to this stand-in: the known-good build serves without errors.
      advance();
      errorRate = 0;
      res.writeHead(200, { 'content-type': 'text/plain' }).end('deployed\n');
    } else if (path === '/health') {
      if (healthBody !== null) res.writeHead(200, { 'content-type': 'text/html' }).end(healthBody);
      else res.writeHead(healthy ? 200 : 503, { 'content-type': 'application/json' }).end(JSON.stringify(healthJson()));
    } else {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    target: `127.0.0.1:${port}`,
    labels,
    setRequestRatePerSecond: (n) => {
      advance();
      requestRate = n;
    },
    setErrorRatePerSecond: (n) => {
      advance();
      errorRate = n;
    },
    setDbConnectionsPct: (n) => void (dbConnectionsPct = n),
    setP95Ms: (n) => void (p95Ms = n),
    setHealthy: (h) => void (healthy = h),
    setUnresponsive: (u) => {
      unresponsive = u;
      if (!u) for (const res of hanging) res.destroy();
    },
    setHealthBody: (text) => void (healthBody = text),
    scrapes: () => scrapes,
    close: () =>
      new Promise<void>((resolve) => {
        // Hanging requests and keep-alive sockets (Prometheus keeps one open) would hold close() forever.
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

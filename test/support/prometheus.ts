import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { spawnServer } from './spawn-server.ts';

export const PROMETHEUS_BIN = process.env.PROMETHEUS_BIN ?? '/usr/bin/prometheus';

export interface PrometheusServer {
  url: string;
  /** One instant query; the raw `data` of a successful answer. */
  query(promql: string): Promise<{ resultType: string; result: unknown }>;
  /** Polls until the query returns a non-empty result (scrapes take a few intervals), and returns that result. */
  waitForSeries(promql: string, timeoutMs?: number): Promise<unknown[]>;
  output(): string;
  close(): Promise<void>;
}

/**
 * A real Prometheus (Debian's /usr/bin/prometheus) on a free loopback port, scraping the given targets ("host:port", or
 * a URL when the metrics are not at /metrics) at a short interval so that rate() has data within seconds.
 */
export async function startPrometheus(opts: { scrapeTargets: string[]; scrapeIntervalMs?: number }): Promise<PrometheusServer> {
  const interval = `${opts.scrapeIntervalMs ?? 1_000}ms`;
  const jobs = opts.scrapeTargets.map((t, i) => {
    const url = /^https?:\/\//.test(t) ? new URL(t) : new URL(`http://${t}/metrics`);
    return {
      job_name: `target-${i}`,
      scheme: url.protocol.slice(0, -1),
      metrics_path: url.pathname,
      scrape_interval: interval,
      // The timeout may not exceed the interval.
      scrape_timeout: interval,
      static_configs: [{ targets: [url.host] }],
    };
  });
  // YAML is a superset of JSON, so JSON.stringify writes a config Prometheus reads, with no quoting to get wrong.
  const config = { global: { scrape_interval: interval, evaluation_interval: interval }, scrape_configs: jobs };

  const server = await spawnServer({
    name: 'prometheus',
    binary: PROMETHEUS_BIN,
    prepare: (dir) => writeFile(join(dir, 'prometheus.yml'), JSON.stringify(config, null, 2)),
    args: (dir, port) => [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      // Debian's defaults point at /etc/prometheus; keep the test independent of what the package put there.
      `--web.console.templates=${join(dir, 'consoles')}`,
      `--web.console.libraries=${join(dir, 'console_libraries')}`,
    ],
    isOurs: async (url, dir) => {
      const res = await fetch(`${url}/api/v1/status/flags`, { signal: AbortSignal.timeout(1_000) });
      const body = (await res.json()) as { data?: Record<string, string> };
      return body.data?.['storage.tsdb.path'] === join(dir, 'data');
    },
  });

  const query = async (promql: string) => {
    const res = await fetch(`${server.url}/api/v1/query?${new URLSearchParams({ query: promql })}`, { signal: AbortSignal.timeout(5_000) });
    const body = (await res.json()) as { status: string; error?: string; data: { resultType: string; result: unknown } };
    if (body.status !== 'success') throw new Error(`prometheus query failed: ${body.error ?? res.status}: ${promql}`);
    return body.data;
  };

  return {
    url: server.url,
    query,
    async waitForSeries(promql, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const data = await query(promql);
        if (data.resultType === 'scalar') return [data.result];
        if (Array.isArray(data.result) && data.result.length > 0) return data.result as unknown[];
        if (Date.now() > deadline) throw new Error(`no series for ${promql} within ${timeoutMs} ms; prometheus output:\n${server.output()}`);
        await new Promise((r) => setTimeout(r, 200));
      }
    },
    output: server.output,
    close: server.close,
  };
}

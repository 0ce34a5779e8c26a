import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

type Service = { command?: string[]; environment?: Record<string, string | number>; healthcheck?: { test: string[] }; volumes?: string[] };
const compose = parse(readFileSync('docker-compose.yml', 'utf8'), { merge: true }) as { services: Record<string, Service> };
const scrape = parse(readFileSync('examples/observability/prometheus.yml', 'utf8')) as {
  scrape_configs: Array<{ static_configs?: Array<{ targets: string[] }>; dns_sd_configs?: Array<{ names: string[]; port: number }> }>;
  rule_files: string[];
};

const byRole = (role: string) => Object.entries(compose.services).filter(([, s]) => s.command?.[0] === role);
const targets = scrape.scrape_configs.flatMap((c) => [
  ...(c.static_configs ?? []).flatMap((s) => s.targets),
  ...(c.dns_sd_configs ?? []).flatMap((d) => d.names.map((n) => `${n}:${d.port}`)),
]);

// docker-compose cannot run without a Docker engine; this reads the file as compose does (anchors merged).
describe('the split deployment in docker-compose.yml is observable', () => {
  it.each(['worker', 'gateway'])('the %s probes its own /health on BACKSTOP_METRICS_PORT, and Prometheus scrapes that port', (role) => {
    const services = byRole(role);
    expect(services.length).toBeGreaterThan(0);
    for (const [name, service] of services) {
      const port = String(service.environment?.BACKSTOP_METRICS_PORT);
      expect(port, name).toMatch(/^\d+$/);
      expect(service.healthcheck?.test.join(' '), name).toContain(`127.0.0.1:${port}/health`);
      expect(targets, name).toContain(`${name}:${port}`);
    }
  });

  it('Prometheus scrapes the API on its PORT, and runs with the example config and alerts', () => {
    for (const [name, service] of byRole('api')) expect(targets).toContain(`${name}:${service.environment?.PORT ?? 3000}`);
    expect(compose.services.prometheus?.volumes).toContain('./examples/observability:/etc/prometheus:ro');
    expect(scrape.rule_files).toEqual(['backstop-alerts.yml']);
  });
});

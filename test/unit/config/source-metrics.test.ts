import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/config/load.ts';

const policy = (sources: string, rules = '') => `
environments:
  production: {}
services:
  payments:
    environments: [production]
    executor: { kind: command, argv: ["./rollback.sh"] }
    sources:
${sources}${rules}`;

const PROM = (queries: string) => `      - { kind: prometheus, url: "http://prometheus:9090", queries: { ${queries} } }\n`;
const PROBE = (values = '') => `      - { kind: http_probe, url: "http://payments:8080/health", values: { ${values} } }\n`;

const errorsOf = (text: string) => {
  const r = parseConfig(text);
  return r.ok ? [] : r.errors;
};

// The monitor keys readings by metric name: with two sources of one name, one of them would be dropped unseen.
describe('a metric has one source', () => {
  it.each([
    ['two Prometheus sources', PROM('error_rate_per_minute: "a"') + PROM('error_rate_per_minute: "b"'), 'services.payments.sources[1].queries.error_rate_per_minute', 'error_rate_per_minute is already reported by sources[0]; a metric has one source'],
    ['Prometheus, then a probe value', PROM('p95_ms: "a"') + PROBE('p95_ms: latency.p95'), 'services.payments.sources[1].values.p95_ms', 'p95_ms is already reported by sources[0]; a metric has one source'],
    ['a probe value, then Prometheus', PROBE('queue_depth: queue.depth') + PROM('queue_depth: "q"'), 'services.payments.sources[1].queries.queue_depth', 'queue_depth is already reported by sources[0]; a metric has one source'],
    ['two probes, both giving probe_up', PROBE() + PROBE(), 'services.payments.sources[1]', 'probe_up is already reported by sources[0]; a metric has one source'],
    ['a Prometheus query named probe_up next to a probe', PROM('probe_up: "up"') + PROBE(), 'services.payments.sources[1]', 'probe_up is already reported by sources[0]; a metric has one source'],
    ['a probe value named probe_up', PROBE('probe_up: up'), 'services.payments.sources[0].values.probe_up', 'probe_up is already reported by this probe (every http_probe reports probe_up); a metric has one source'],
  ])('fails for %s, at the second one, naming the first', (_name, sources, path, message) => {
    const errors = errorsOf(policy(sources));
    expect(errors, JSON.stringify(errors)).toEqual([{ path, message }]);
  });

  it('reports every duplicate, in the order of the file', () => {
    const errors = errorsOf(policy(PROM('error_rate_per_minute: "a", p95_ms: "b"') + PROBE('p95_ms: p95') + PROM('error_rate_per_minute: "c"')));
    expect(errors.map((e) => e.path)).toEqual(['services.payments.sources[1].values.p95_ms', 'services.payments.sources[2].queries.error_rate_per_minute']);
  });

  it('accepts distinct names across sources, and one probe beside Prometheus', () => {
    const rules = `    rules:\n      - { name: up, metric: probe_up, op: "<", threshold: 1, action: warn }\n`;
    expect(errorsOf(policy(PROM('error_rate_per_minute: "a", requests: "r"') + PROBE('p95_ms: p95'), rules))).toEqual([]);
  });

  it('still refuses a rule (or a min_traffic guard) on a metric that is neither pushed nor from a source', () => {
    const rules = `    rules:\n      - { name: x, metric: error_rate_per_minute, op: ">", threshold: 1, action: warn, min_traffic: { metric: requests, at_least: 10 } }\n`;
    const errors = errorsOf(policy(PROM('queue_depth: "q"'), rules));
    expect(errors.map((e) => e.path)).toEqual(['services.payments.rules[0].min_traffic.metric']);
    expect(errors[0]!.message).toContain('unknown metric "requests" for service payments');
  });
});

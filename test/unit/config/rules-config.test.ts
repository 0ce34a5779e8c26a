import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/config/load.ts';

const BASE = `
environments:
  production: {}
services:
  payments:
    environments: [production]
    executor: { kind: command, argv: ["./rollback.sh"] }
`;

const withRules = (rules: string, sources = '') => `${BASE}    rules:\n${rules}${sources}`;

describe('rules in the policy file', () => {
  it("default to the seed's table", () => {
    const r = parseConfig(BASE);
    if (!r.ok) throw new Error(JSON.stringify(r.errors));
    const rules = r.config.resolve('payments', 'production')!.rules;
    expect(rules.map((x) => `${x.metric} ${x.op} ${x.threshold} → ${x.action}`)).toEqual([
      'error_rate_per_minute > 5 → auto',
      'recent_errors > 50 → auto',
      'database_connections_pct > 90 → auto',
      'p95_ms > 5000 → warn',
      'memory_pct > 95 → warn',
      'error_rate_per_minute >= 1 → propose',
    ]);
    expect(r.config.raw.monitoring).toMatchObject({ tick: 10_000, watch_window: 300_000, circuit_breaker: { max_automatic: 3, per: 3_600_000 } });
  });

  it('let a service replace a rule by name and add its own metrics through sources', () => {
    const r = parseConfig(
      withRules(
        `      - { name: error-rate-critical, metric: error_rate_per_minute, op: ">", threshold: 10, for: 3, action: auto_with_veto, veto: 90s }
      - { name: dispatch-failures, metric: dispatch_failure_ratio, op: ">", threshold: 0.5, action: auto, min_traffic: { metric: dispatches, at_least: 20 } }
`,
        `    sources:
      - { kind: prometheus, url: "http://prometheus:9090", queries: { dispatch_failure_ratio: "x", dispatches: "y" } }
`,
      ),
    );
    if (!r.ok) throw new Error(JSON.stringify(r.errors));
    const rules = r.config.resolve('payments', 'production')!.rules;
    expect(rules.find((x) => x.name === 'error-rate-critical')).toMatchObject({ threshold: 10, for: 3, action: 'auto_with_veto', veto: 90_000, origin: 'services.payments.rules[0]' });
    expect(rules).toHaveLength(7);
  });

  it.each([
    ['an unknown metric', `      - { name: x, metric: nonsense, op: ">", threshold: 1, action: warn }\n`, 'services.payments.rules[0].metric', 'unknown metric "nonsense" for service payments'],
    ['a bad operator', `      - { name: x, metric: p95_ms, op: "=>", threshold: 1, action: warn }\n`, 'services.payments.rules[0].op', 'expected one of'],
    ['a negative window', `      - { name: x, metric: p95_ms, op: ">", threshold: 1, window: -5m, action: warn }\n`, 'services.payments.rules[0].window', 'expected a duration'],
    ['an unknown action', `      - { name: x, metric: p95_ms, op: ">", threshold: 1, action: panic }\n`, 'services.payments.rules[0].action', 'expected one of'],
    ['for below 1', `      - { name: x, metric: p95_ms, op: ">", threshold: 1, for: 0, action: warn }\n`, 'services.payments.rules[0].for', 'expected a number ≥ 1'],
  ])('reject %s with its path', (_name, rules, path, message) => {
    const r = parseConfig(withRules(rules));
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors.find((e) => e.path === path)?.message, JSON.stringify(r.errors)).toContain(message);
  });
});

describe('baseline rules in the policy file', () => {
  const prometheus = (queries: Record<string, string>) =>
    `    sources:\n      - { kind: prometheus, url: "http://prometheus:9090", queries: ${JSON.stringify(queries)} }\n`;
  const counts = {
    errors: 'sum(increase(http_requests_total{job="payments",version="{version}",code=~"5.."}[{window}]))',
    requests: 'sum(increase(http_requests_total{job="payments",version="{version}"}[{window}]))',
  };

  it('read as a team writes them: a canary rate, a before/after latency, a Keptn-style relative limit beside a floor', () => {
    const r = parseConfig(
      withRules(
        `      - name: errors-vs-stable
        metric: errors
        baseline: { against: canary, test: rate, per: requests, at_most: "+20%" }
        action: auto
      - { name: slower, metric: p95_ms, baseline: { test: distribution }, action: propose }
      - { name: p95-relative, metric: p95_ms, op: ">", threshold: 300, baseline: { test: relative, at_most: "+10%" }, action: warn }
`,
        prometheus(counts),
      ),
    );
    if (!r.ok) throw new Error(JSON.stringify(r.errors));
    const rules = Object.fromEntries(r.config.resolve('payments', 'production')!.rules.map((x) => [x.name, x]));
    expect(rules['errors-vs-stable']).toMatchObject({ metric: 'errors', baseline: { against: 'canary', test: 'rate', per: 'requests', at_most: 0.2, alpha: 0.01 } });
    expect(rules['errors-vs-stable']!.op).toBeUndefined();
    expect(rules.slower).toMatchObject({ baseline: { against: 'previous', test: 'distribution', at_most: 0.1 } });
    expect(rules['p95-relative']).toMatchObject({ op: '>', threshold: 300, baseline: { test: 'relative', at_most: 0.1 } });
  });

  it.each([
    ['a rule with neither a threshold nor a baseline', `      - { name: x, metric: p95_ms, action: warn }\n`, '', 'services.payments.rules[0].op', 'or a baseline to compare against'],
    ['a rate without per', `      - { name: x, metric: errors, baseline: { test: rate }, action: auto }\n`, prometheus(counts), 'services.payments.rules[0].baseline.per', 'expected per'],
    ['an allowance written without its sign', `      - { name: x, metric: p95_ms, baseline: { test: relative, at_most: "10%" }, action: warn }\n`, '', 'services.payments.rules[0].baseline.at_most', 'such as "+10%"'],
    ['an unknown test', `      - { name: x, metric: p95_ms, baseline: { test: ttest }, action: warn }\n`, '', 'services.payments.rules[0].baseline.test', 'expected one of'],
    [
      'a rate on pushed samples, which carry no counts',
      `      - { name: x, metric: recent_errors, baseline: { test: rate, per: requests }, action: auto }\n`,
      prometheus(counts),
      'services.payments.rules[0].metric',
      'has no Prometheus query named "recent_errors" (pushed samples carry no counts',
    ],
    [
      'a rate whose query does not count over {window}',
      `      - { name: x, metric: errors, baseline: { test: rate, per: requests }, action: auto }\n`,
      prometheus({ ...counts, requests: 'sum(rate(http_requests_total[5m]))' }),
      'services.payments.rules[0].baseline.per',
      'must count over {window}',
    ],
    [
      'a canary whose query cannot tell the versions apart',
      `      - { name: x, metric: errors, baseline: { against: canary, test: rate, per: requests }, action: auto }\n`,
      prometheus({ errors: 'sum(increase(errors_total[{window}]))', requests: 'sum(increase(requests_total[{window}]))' }),
      'services.payments.rules[0].baseline.against',
      'needs {version} in the Prometheus query for "errors"',
    ],
    [
      'a distribution whose traffic is not a Prometheus count',
      `      - { name: x, metric: p95_ms, baseline: { test: distribution, per: requests }, action: propose }\n`,
      '',
      'services.payments.rules[0].baseline.per',
      'per counts the traffic behind the samples, and service payments has no Prometheus query named "requests"',
    ],
        ['a distribution of the probe\'s single reading', `      - { name: x, metric: probe_up, baseline: { test: distribution }, action: warn }\n`, `    sources:\n      - { kind: http_probe, url: "http://payments/health" }\n`, 'services.payments.rules[0].metric', 'neither for "probe_up"'],
  ])('reject %s with its path', (_name, rules, sources, path, message) => {
    const r = parseConfig(withRules(rules, sources));
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors.find((e) => e.path === path)?.message, JSON.stringify(r.errors)).toContain(message);
  });
});

describe('the shipped examples', () => {
  it.each(['examples/backstop.example.yaml', 'examples/backstop.cortex.yaml'])('%s is a valid policy', async (file) => {
    const { readFile } = await import('node:fs/promises');
    const r = parseConfig(await readFile(file, 'utf8'));
    expect(r.ok ? [] : r.errors).toEqual([]);
  });

  it("writes the Cortex runbook's P0 and P1 triggers as rules", async () => {
    const { readFile } = await import('node:fs/promises');
    const r = parseConfig(await readFile('examples/backstop.cortex.yaml', 'utf8'));
    if (!r.ok) throw new Error(JSON.stringify(r.errors));
    const rules = Object.fromEntries(r.config.resolve('cortex', 'production')!.rules.map((x) => [x.name, x]));
    expect(rules['mass-dispatch-failures']).toMatchObject({ metric: 'dispatch_failure_ratio', op: '>', threshold: 0.5, action: 'auto' });
    expect(rules['scheduler-deadlock']).toMatchObject({ metric: 'dispatches_last_30m', op: '<', threshold: 1, min_traffic: { metric: 'pending_work', at_least: 1 } });
    expect(rules['api-unresponsive']).toMatchObject({ metric: 'probe_up', for: 30 });
  });
});

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

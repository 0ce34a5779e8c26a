import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/config/load.ts';
import { parseDuration } from '../../../src/config/duration.ts';

const VALID = `
environments:
  production: { approvals: { required: 2 } }
  staging: {}
services:
  payments:
    environments: [production, staging]
    executor: { kind: command, argv: ["./rollback.sh"], timeout: 10m }
`;

describe('parseConfig', () => {
  it('resolves defaults, environment and service layers', () => {
    const r = parseConfig(VALID);
    if (!r.ok) throw new Error(JSON.stringify(r.errors));
    const prod = r.config.resolve('payments', 'production')!;
    expect(prod.approvals).toEqual({ required: 2, requester_counts: true, expires_after: 900_000 });
    expect(prod.constitution.stable_error_rate_per_minute).toBe(1);
    expect(prod.executor).toMatchObject({ kind: 'command', argv: ['./rollback.sh'], timeout: 600_000, idempotent: false });
    expect(r.config.resolve('payments', 'staging')!.approvals.required).toBe(1);
    expect(r.config.resolve('payments', 'qa')).toBeUndefined();
    expect(r.config.resolve('nope', 'staging')).toBeUndefined();
    expect(r.config.policyVersion).toMatch(/^[0-9a-f]{12}$/);
  });

  it('changes the policy version when the policy changes', () => {
    const a = parseConfig(VALID);
    const b = parseConfig(VALID.replace('required: 2', 'required: 3'));
    expect(a.ok && b.ok && a.config.policyVersion !== b.config.policyVersion).toBe(true);
  });

  it.each([
    ['required below 1', VALID.replace('required: 2', 'required: 0'), 'environments.production.approvals.required', 'expected a number ≥ 1'],
    ['unknown executor kind', VALID.replace('kind: command', 'kind: shell'), 'services.payments.executor.kind', 'unknown kind'],
    ['misspelt key', VALID.replace('approvals: { required: 2 }', 'aprovals: { required: 2 }'), 'environments.production', 'unknown key "aprovals"'],
    ['bad duration', VALID.replace('timeout: 10m', 'timeout: 10 minutes'), 'services.payments.executor.timeout', 'expected a duration such as 30s, 15m or 1h, got "10 minutes"'],
    ['empty argv', VALID.replace('argv: ["./rollback.sh"]', 'argv: []'), 'services.payments.executor.argv', 'expected at least the program to run'],
    ['unknown environment', VALID.replace('[production, staging]', '[production, qa]'), 'services.payments.environments[1]', 'unknown environment "qa" (not under environments)'],
    ['string for a number', VALID.replace('required: 2', 'required: two'), 'environments.production.approvals.required', 'expected a number'],
    ['a retired key', VALID.replace('staging: {}', 'staging: { verification: { thresholds: {} } }'), 'environments.staging.verification.thresholds', expect.stringMatching(/^no longer used: verification judges the restored version/)],
  ])('reports %s with its path', (_name, text, path, message) => {
    const r = parseConfig(text);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors).toContainEqual({ path, message });
  });

  it('reports YAML syntax errors with a line', () => {
    const r = parseConfig('services: [unclosed');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors[0]!.path).toMatch(/^line \d+, column \d+$/);
  });

  it('collects every schema error, not only the first', () => {
    const r = parseConfig(VALID.replace('required: 2', 'required: 0').replace('kind: command', 'kind: shell'));
    expect(!r.ok && r.errors.length).toBeGreaterThanOrEqual(2);
  });
});

describe('parseDuration', () => {
  it.each([
    ['500ms', 500],
    ['30s', 30_000],
    ['15m', 900_000],
    ['1h', 3_600_000],
    ['1.5s', 1_500],
    ['15', undefined],
    ['m', undefined],
    ['-1s', undefined],
  ])('%s → %s', (text, ms) => expect(parseDuration(text)).toBe(ms));
});

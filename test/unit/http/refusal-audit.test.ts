import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import type { AuditEntry } from '../../../src/audit/append-audit.ts';
import { createAuthBrake } from '../../../src/http/auth-brake.ts';
import { createRefusalAudit, type Refusal } from '../../../src/http/refusal-audit.ts';
import { createLogger } from '../../../src/logging/logger.ts';
import { createApiRefusalMetrics } from '../../../src/metrics/api-refusal-metrics.ts';

function setup(write?: (entries: AuditEntry[]) => Promise<void>) {
  let now = Date.parse('2026-12-04T14:00:00Z');
  const clock = () => new Date(now);
  const rows: AuditEntry[] = [];
  const warnings: string[] = [];
  const logger = createLogger({ level: 'silent' });
  logger.warn = ((_fields: unknown, msg: string) => void warnings.push(msg)) as typeof logger.warn;
  const registry = new Registry();
  const audit = createRefusalAudit({ write: write ?? (async (entries) => void rows.push(...entries)), logger, metrics: createApiRefusalMetrics(registry), clock });
  const metric = async (name: string) => (await registry.getSingleMetric(name)!.get()).values.map((v) => [v.labels.reason ?? '', v.value]);
  return { audit, rows, warnings, metric, clock, advance: (ms: number) => (now += ms) };
}

const refusal = (over: Partial<Refusal> = {}): Refusal => ({ reason: 'unauthorized', why: 'no token', method: 'GET', route: '/api/rollbacks', source: '10.0.0.7', ...over });

describe('the refusal audit', () => {
  it('counts every refusal from 0, writes ten a minute per source one by one, and one summary with the true count', async () => {
    const { audit, rows, metric, advance } = setup();
    expect(await metric('backstop_api_refusals_total')).toEqual([['unauthorized', 0], ['forbidden', 0], ['rate_limited', 0]]);
    for (let i = 0; i < 312; i++) audit.refused(refusal({ reason: i % 3 ? 'unauthorized' : 'forbidden' }));
    await audit.flush();
    expect(rows.filter((r) => r.result !== 'summary')).toHaveLength(10);
    const summary = rows.find((r) => r.result === 'summary')!;
    expect(summary).toMatchObject({ action: 'api.refused', severity: 'warning', details: { source: '10.0.0.7', count: 302 } });
    expect(summary.reason).toBe('302 more refusals from 10.0.0.7 in the last 0 s were not written one by one');
    expect(await metric('backstop_api_refusals_total')).toEqual([['unauthorized', 208], ['forbidden', 104], ['rate_limited', 0]]);
    // A new window: ten more one by one.
    advance(60_000);
    for (let i = 0; i < 11; i++) audit.refused(refusal());
    await audit.flush();
    expect(rows.filter((r) => r.result !== 'summary')).toHaveLength(20);
  });

  it('writes the summary when the source is next refused after its window closed', async () => {
    const { audit, rows, advance } = setup();
    for (let i = 0; i < 25; i++) audit.refused(refusal());
    advance(61_000);
    audit.refused(refusal());
    await new Promise((r) => setImmediate(r));
    expect(rows.map((r) => r.result)).toEqual([...Array(10).fill('unauthorized'), 'summary', 'unauthorized']);
    expect(rows[10]!.reason).toBe('15 more refusals from 10.0.0.7 in the last 61 s were not written one by one');
  });

  it('limits each source on its own, and never writes the token', async () => {
    const { audit, rows } = setup();
    for (let i = 0; i < 20; i++) audit.refused(refusal({ source: '10.0.0.7' }));
    for (let i = 0; i < 5; i++) audit.refused(refusal({ source: '10.0.0.8', reason: 'forbidden', tokenName: 'viewer', why: 'the token lacks the role' }));
    await audit.flush();
    expect(rows.filter((r) => (r.details as { source: string }).source === '10.0.0.8')).toHaveLength(5);
    expect(rows.find((r) => r.actor === 'viewer')).toMatchObject({ result: 'forbidden', details: { method: 'GET', route: '/api/rollbacks', source: '10.0.0.8', token: 'viewer' } });
  });

  it('answers without waiting for the write, and logs a failed write at warn', async () => {
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const { audit, warnings } = setup(async () => {
      await held;
      throw new Error('database down');
    });
    audit.refused(refusal());
    release();
    await audit.flush();
    expect(warnings).toEqual(['could not write refusal audit rows; the refusals are still counted in backstop_api_refusals_total']);
  });

  it('audits and counts a lockout once, and counts the 429s', async () => {
    const { audit, rows, metric, clock } = setup();
    const brake = createAuthBrake({ clock });
    for (let i = 0; i < 20; i++) {
      const started = brake.failed('10.0.0.7', `Bearer guess-${i}`);
      if (started) audit.lockedOut(started);
      else if (brake.lockedOut('10.0.0.7')) audit.rateLimited();
    }
    await audit.flush();
    expect(rows).toEqual([expect.objectContaining({ action: 'api.lockout', result: 'locked_out', details: expect.objectContaining({ source: '10.0.0.7', failures: 10, lockout_seconds: 60, strike: 1 }) })]);
    expect(await metric('backstop_api_auth_lockouts_total')).toEqual([['', 1]]);
    expect((await metric('backstop_api_refusals_total')).find(([r]) => r === 'rate_limited')).toEqual(['rate_limited', 10]);
  });
});

import { describe, expect, it } from 'vitest';
import { BaselineSchema } from '../../../../src/config/monitoring-schema.ts';
import { judgeBaseline } from '../../../../src/health/baseline/judge-baseline.ts';
import type { BaselineData } from '../../../../src/health/baseline/baseline-data.ts';

const rate = (over: Record<string, unknown> = {}) => ({ metric: 'errors', baseline: BaselineSchema.parse({ test: 'rate', per: 'requests', ...over }) });
const dist = (over: Record<string, unknown> = {}) => ({ metric: 'p95_ms', baseline: BaselineSchema.parse({ test: 'distribution', ...over }) });
const relative = (over: Record<string, unknown> = {}) => ({ metric: 'p95_ms', baseline: BaselineSchema.parse({ test: 'relative', ...over }) });
const counts = (events: number, exposure: number, baseEvents: number, baseExposure: number): BaselineData => ({
  kind: 'counts',
  baselineVersion: 'v2.5.2',
  current: { events, exposure },
  baseline: { events: baseEvents, exposure: baseExposure },
});
const samples = (current: number[], baseline: number[]): BaselineData => ({ kind: 'samples', baselineVersion: 'v2.5.2', current, baseline });
// A steady latency around 200–245 ms, in a fixed order so every run sees the same numbers.
const steady = Array.from({ length: 30 }, (_, i) => 200 + ((i * 37) % 50));

describe('judgeBaseline', () => {
  it.each([
    ['4× the errors per request on 1,240 requests breaches', rate(), counts(25, 1240, 30, 6000), 'breach'],
    ['the same errors per request is within the allowance', rate(), counts(6, 1240, 30, 6000), 'ok'],
    ['a rise within at_most is not a regression, however much data', rate({ at_most: '+50%' }), counts(1200, 100_000, 1000, 100_000), 'ok'],
    ['a small rise on a lot of traffic, past at_most, breaches', rate({ at_most: '+5%' }), counts(1500, 100_000, 1000, 100_000), 'breach'],
    ['too few requests now is inconclusive, never a pass', rate(), counts(6, 40, 30, 6000), 'inconclusive'],
    ['too few requests in the baseline is inconclusive', rate(), counts(60, 6000, 0, 50), 'inconclusive'],
    ['errors where the baseline had none, on enough traffic, breach', rate(), counts(40, 5000, 0, 5000), 'breach'],
    ['sparse errors on a quiet service are not enough to call', rate(), counts(2, 120, 1, 150), 'inconclusive'],
    ['no errors on either side tells nothing about a rise', rate(), counts(0, 5000, 0, 5000), 'inconclusive'],
    ['no rise on a baseline too quiet to show one proves nothing', rate(), counts(1, 500, 2, 1000), 'inconclusive'],
    ['40% slower samples breach', dist(), samples(steady.map((x) => x * 1.4), steady), 'breach'],
    ['the same samples are fine', dist(), samples(steady, steady), 'ok'],
    ['5% slower is within the +10% allowed', dist(), samples(steady.map((x) => x * 1.05), steady), 'ok'],
    ['the same median, three times the scatter, breaches (a rise in variance)', dist(), samples(steady.map((x) => 222 + (x - 222) * 3), steady), 'breach'],
    ['nine samples now is too few', dist(), samples(steady.slice(0, 9), steady), 'inconclusive'],
    ['samples over a third of the traffic are not compared', dist({ per: 'requests' }), { ...samples(steady.map((x) => x * 1.4), steady), traffic: { current: 10, baseline: 33 } } as BaselineData, 'inconclusive'],
    ['samples over similar traffic are', dist({ per: 'requests' }), { ...samples(steady.map((x) => x * 1.4), steady), traffic: { current: 30, baseline: 33 } } as BaselineData, 'breach'],
    ['a mean 40% higher is past a relative +10%', relative(), samples(steady.map((x) => x * 1.4), steady), 'breach'],
    ['a mean 5% higher is within a relative +10%', relative(), samples(steady.map((x) => x * 1.05), steady), 'ok'],
    ['a relative limit on a baseline of 0 means nothing', relative(), samples([1, 2, 3], [0, 0, 0]), 'inconclusive'],
    ['no baseline at all is inconclusive', rate(), { kind: 'missing', detail: 'no earlier known-good deployment to compare with' } as BaselineData, 'inconclusive'],
  ])('%s', (_name, rule, data, verdict) => {
    expect(judgeBaseline(rule, data).verdict).toBe(verdict);
  });

  it("says how much, against which version, how sure, and on how much traffic, in the card's words", () => {
    const j = judgeBaseline(rate(), counts(25, 1240, 30, 6000));
    expect(j).toMatchObject({ verdict: 'breach', baselineVersion: 'v2.5.2', counted: { current: 1240, baseline: 6000 } });
    expect(j.effect).toBeCloseTo(4.032, 3);
    expect(j.interval![0]).toBeGreaterThan(1.1);
    expect(j.interval![1]).toBeGreaterThan(j.effect!);
    expect(j.pValue).toBeLessThan(0.01);
    expect(j.words).toBe("errors/requests 4.0× v2.5.2's (v2.5.2: 0.5%, now 2%; 99% interval 1.32–10.6×; 1,240 requests now, 6,000 before): more than the +10% allowed");
  });

  it('says why it cannot judge', () => {
    expect(judgeBaseline(rate(), counts(6, 40, 30, 6000)).words).toBe('errors: too little to compare with v2.5.2 (40 requests now, 6,000 before; at least 100 on each side needed)');
    expect(judgeBaseline(rate(), { kind: 'missing', detail: 'no earlier known-good deployment to compare with' }).words).toBe('errors: no earlier known-good deployment to compare with');
  });

  it('says when there is too little to tell, and when the baseline had no errors at all', () => {
    expect(judgeBaseline(rate(), counts(1, 500, 2, 1000)).words).toBe(
      "errors/requests 1.0× v2.5.2's (v2.5.2: 0.2%, now 0.2%; 99% interval 0–372×; 500 requests now, 1,000 before): not shown to exceed the +10% allowed, but too few errors expected at v2.5.2's rate to tell a rise (1 in 500 requests; 5 needed)",
    );
    const fresh = judgeBaseline(rate(), counts(40, 5000, 0, 5000));
    expect(fresh).toMatchObject({ verdict: 'breach', effect: null });
    expect(fresh.words).toMatch(/^errors\/requests 40 now where v2\.5\.2 had none \(v2\.5\.2: none in 5,000 requests, now 0\.8%; 99% interval above [\d.]+×; 5,000 requests now, 5,000 before\): more than the \+10% allowed$/);
  });

  it('gives a p-value that agrees with the verdict: one-sided, at the allowance', () => {
    const within = judgeBaseline(rate(), counts(20, 10_000, 40, 10_000));
    expect(within).toMatchObject({ verdict: 'ok', pValue: 1 });
    const past = judgeBaseline(rate(), counts(120, 10_000, 40, 10_000));
    expect(past.verdict).toBe('breach');
    expect(past.pValue).toBeLessThanOrEqual(0.01);
    expect(past.interval![0]).toBeGreaterThan(1.1);
  });

  it('gives a distribution p-value that agrees with the verdict: faster samples are no evidence', () => {
    const faster = judgeBaseline(dist(), samples(steady.map((x) => x * 0.5), steady));
    expect(faster).toMatchObject({ verdict: 'ok', pValue: 1 });
    const slower = judgeBaseline(dist(), samples(steady.map((x) => x * 1.4), steady));
    expect(slower.verdict).toBe('breach');
    expect(slower.pValue).toBeLessThanOrEqual(0.01);
  });

  it('says why samples over different traffic are not compared', () => {
    const j = judgeBaseline(dist({ per: 'requests' }), { ...samples(steady, steady), traffic: { current: 10, baseline: 33 } } as BaselineData);
    expect(j.words).toBe("p95_ms: requests now 10/s against v2.5.2's 33/s; samples over traffic this different are not comparable");
  });

  it('names a rise in scatter for what it is', () => {
    const j = judgeBaseline(dist(), samples(steady.map((x) => 222 + (x - 222) * 3), steady));
    expect(j.words).toMatch(/spread 3\.\d× v2\.5\.2's, a significant rise/);
  });
});

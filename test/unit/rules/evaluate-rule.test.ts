import { describe, expect, it } from 'vitest';
import type { ResolvedRule } from '../../../src/config/load.ts';
import { RuleSchema, type RuleInput } from '../../../src/config/monitoring-schema.ts';
import { evaluateRule, type Observation, type PriorState } from '../../../src/health/rules/evaluate-rule.ts';
import { capAt, strongest } from '../../../src/health/rules/ladder.ts';

const rule = (over: Partial<RuleInput> = {}): ResolvedRule => ({
  ...RuleSchema.parse({ name: 'error-rate', metric: 'error_rate_per_minute', op: '>', threshold: 5, action: 'auto', ...over }),
  origin: 'test',
});
const T0 = new Date('2026-11-22T14:00:00.000Z');
const at = (s: number) => new Date(T0.getTime() + s * 1000);
const obs = (value: number | null, s = 1, over: Partial<Observation> = {}): Observation => ({ value, observedAt: at(s), samples: 1, source: 'pushed', ...over });
const prior = (verdict: PriorState['verdict'], consecutive: number, s = 0): PriorState => ({ verdict, consecutive, observedAt: at(s) });

describe('evaluateRule', () => {
  it.each([
    ['above the threshold breaches and fires at once (for 1)', rule(), obs(8.5), undefined, 'breach', 1, true],
    ['at the threshold with > is ok', rule(), obs(5), undefined, 'ok', 0, false],
    ['>= includes the threshold', rule({ op: '>=', threshold: 1 }), obs(1), undefined, 'breach', 1, true],
    ['< breaches below', rule({ op: '<', threshold: 1, metric: 'probe_up' }), obs(0), undefined, 'breach', 1, true],
    ['a first breach of a for-3 rule does not fire', rule({ for: 3 }), obs(9), undefined, 'breach', 1, false],
    ['the third consecutive breach fires', rule({ for: 3 }), obs(9, 3), prior('breach', 2, 2), 'breach', 3, true],
    ['a fourth breach does not fire again', rule({ for: 3 }), obs(9, 4), prior('breach', 3, 3), 'breach', 4, false],
    ['a healthy check breaks the streak (flapping is held back)', rule({ for: 3 }), obs(0.2, 3), prior('breach', 2, 2), 'ok', 0, false],
    ['missing data is inconclusive, never ok', rule(), obs(null), undefined, 'inconclusive', 0, false],
    ['missing data keeps a streak', rule({ for: 3 }), obs(null, 3), prior('breach', 2, 2), 'inconclusive', 2, false],
    ['a breach after an inconclusive check continues the streak', rule({ for: 3 }), obs(9, 4), prior('inconclusive', 2, 3), 'breach', 3, true],
    ['on_missing: fail counts no data as a breach', rule({ on_missing: 'fail' }), obs(null), undefined, 'breach', 1, true],
    ['low traffic makes a ratio inconclusive', rule({ metric: 'error_ratio', threshold: 0.5, min_traffic: { metric: 'requests', at_least: 10 } }), obs(0.9, 1, { traffic: 3 }), undefined, 'inconclusive', 0, false],
    ['enough traffic judges the ratio', rule({ metric: 'error_ratio', threshold: 0.5, min_traffic: { metric: 'requests', at_least: 10 } }), obs(0.9, 1, { traffic: 30 }), undefined, 'breach', 1, true],
    ['no traffic data is inconclusive too', rule({ metric: 'error_ratio', threshold: 0.5, min_traffic: { metric: 'requests', at_least: 10 } }), obs(0.9, 1, { traffic: null }), undefined, 'inconclusive', 0, false],
  ] as const)('%s', (_name, r, o, p, verdict, consecutive, fires) => {
    const out = evaluateRule(r, o, p);
    expect(out).not.toBeNull();
    expect({ verdict: out!.verdict, consecutive: out!.consecutive, fires: out!.fires }).toEqual({ verdict, consecutive, fires });
  });

  it('counts an observation once: no newer sample, no change', () => {
    expect(evaluateRule(rule(), obs(9, 5), prior('breach', 1, 5))).toBeNull();
    expect(evaluateRule(rule(), obs(9, 4), prior('breach', 1, 5))).toBeNull();
  });

  it('explains itself: metric, value, threshold, window and samples', () => {
    const out = evaluateRule(rule({ window: '5m', for: 2 }), obs(8.5, 2, { samples: 3 }), prior('breach', 1, 1))!;
    expect(out.explanation).toBe('error-rate: error_rate_per_minute = 8.5 > 5 (mean of 3 samples over 5m), 2/2 consecutive');
    expect(out.evidence).toMatchObject({ metric: 'error_rate_per_minute', op: '>', threshold: 5, observed: 8.5, window: '5m', samples: 3, consecutive: 2, for: 2 });
  });
});

describe('the action ladder', () => {
  it('picks the strongest and caps', () => {
    expect(strongest(['warn', 'auto', 'propose'])).toBe('auto');
    expect(strongest([])).toBeNull();
    expect(capAt('auto', 'propose')).toBe('propose');
    expect(capAt('warn', 'propose')).toBe('warn');
  });
});

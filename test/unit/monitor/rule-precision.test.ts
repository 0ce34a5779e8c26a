import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/config/load.ts';
import { capImprecise } from '../../../src/monitor/imprecise-rules.ts';
import { demotionWords, firedRules, newlyDemoted, precisionLabel, precisionOf, standingOf, standingWords, type FalseAlarmPolicy } from '../../../src/monitor/rule-precision.ts';

const POLICY: FalseAlarmPolicy = { demote_below: 0.8, min_decisions: 5, over_last: 20 };
const tally = (decisions: number, falseAlarms: number, rule = 'error-rate-critical') => ({ rule, decisions, falseAlarms });

describe('a rule’s precision', () => {
  it.each([
    [10, 0, 1],
    [10, 2, 0.8],
    [5, 3, 0.4],
    [4, 4, 0],
    [1, 1, 0],
  ])('is 1 − false alarms / decisions: %i decisions, %i false alarms → %d', (decisions, falseAlarms, precision) => {
    expect(precisionOf({ decisions, falseAlarms })).toBeCloseTo(precision, 10);
  });

  it('is unknown without a decision, and never negative', () => {
    expect(precisionOf({ decisions: 0, falseAlarms: 0 })).toBeNull();
    expect(precisionOf({ decisions: 2, falseAlarms: 3 })).toBe(0);
  });

  it('is shown with two decimals, never rounded up to a threshold it fell below', () => {
    expect(precisionLabel(0.8)).toBe('0.80');
    expect(precisionLabel(0.79999)).toBe('0.79');
    expect(precisionLabel(1 - 71 / 100)).toBe('0.29');
    expect(precisionLabel(1)).toBe('1.00');
  });
});

describe('demotion by precision', () => {
  it('needs min_decisions, labelled or not, so one early false alarm does not demote a rule', () => {
    expect(standingOf(tally(1, 1), POLICY)).toMatchObject({ precision: 0, demoted: false });
    expect(standingOf(tally(4, 4), POLICY).demoted).toBe(false);
    expect(standingOf(tally(5, 2), POLICY)).toMatchObject({ precision: 0.6, demoted: true });
  });

  it('demotes strictly below the threshold', () => {
    expect(standingOf(tally(10, 2), POLICY)).toMatchObject({ precision: 0.8, demoted: false });
    expect(standingOf(tally(10, 3), POLICY).demoted).toBe(true);
  });

  it('is off with demote_below 0', () => {
    expect(standingOf(tally(10, 10), { ...POLICY, demote_below: 0 }).demoted).toBe(false);
  });

  it('reports a rule as newly demoted only when a label pushed it across', () => {
    const before = [standingOf(tally(6, 1, 'a'), POLICY), standingOf(tally(6, 2, 'b'), POLICY), standingOf(tally(3, 2, 'c'), POLICY)];
    const after = [standingOf(tally(6, 2, 'a'), POLICY), standingOf(tally(6, 3, 'b'), POLICY), standingOf(tally(3, 3, 'c'), POLICY)];
    // a falls to 0.67 (news); b was already below (no news); c has too few decisions.
    expect(newlyDemoted(before, after).map((s) => s.rule)).toEqual(['a']);
  });

  it('explains itself with the numbers', () => {
    const s = standingOf(tally(5, 3), POLICY);
    expect(standingWords(s)).toBe('precision 0.40 (3 false alarms in its last 5 decisions)');
    expect(standingWords(standingOf(tally(1, 1), POLICY))).toBe('precision 0.00 (1 false alarm in its last 1 decision)');
    expect(demotionWords(s, POLICY)).toBe("error-rate-critical proposes instead of rolling back automatically: precision 0.40 (3 false alarms in its last 5 decisions) is below the policy's 0.8");
  });
});

describe('capping a decision at propose', () => {
  const why = new Map([['critical', 'critical has too many false alarms']]);

  it('turns an imprecise automatic rule into a proposal, and says why', () => {
    expect(capImprecise([{ name: 'critical', action: 'auto' }], why)).toEqual({ action: 'propose', heldBack: ['critical has too many false alarms'] });
    expect(capImprecise([{ name: 'critical', action: 'auto_with_veto' }], why)).toEqual({ action: 'propose', heldBack: ['critical has too many false alarms'] });
  });

  it('leaves another automatic rule that fired with a good record as it is', () => {
    expect(capImprecise([{ name: 'critical', action: 'auto' }, { name: 'burst', action: 'auto' }], why)).toEqual({ action: 'auto', heldBack: [] });
    // The countdown of a precise rule still beats the imprecise rule's proposal, and the imprecise one is named.
    expect(capImprecise([{ name: 'critical', action: 'auto' }, { name: 'burst', action: 'auto_with_veto' }], why)).toEqual({
      action: 'auto_with_veto',
      heldBack: ['critical has too many false alarms'],
    });
  });

  it('changes nothing for rules that never roll back by themselves, or when nothing is imprecise', () => {
    expect(capImprecise([{ name: 'critical', action: 'warn' }], why)).toEqual({ action: 'warn', heldBack: [] });
    expect(capImprecise([{ name: 'critical', action: 'auto' }], new Map())).toEqual({ action: 'auto', heldBack: [] });
    expect(capImprecise([], why)).toEqual({ action: null, heldBack: [] });
  });
});

describe('the rules a decision records as fired', () => {
  it('come from its evidence, once each, ignoring what is not a rule', () => {
    expect(firedRules({ fired: [{ rule: 'a' }, { rule: 'b' }, { rule: 'a' }, { metric: 'x' }, null, { rule: '' }] })).toEqual(['a', 'b']);
    expect(firedRules({ fingerprint: 'f' })).toEqual([]);
    expect(firedRules(null)).toEqual([]);
  });
});

describe('monitoring.false_alarms in the policy file', () => {
  const policy = (falseAlarms: string) => `
monitoring:
${falseAlarms}
environments:
  production: {}
services:
  payments:
    environments: [production]
    executor: { kind: command, argv: ["./rollback.sh"] }
`;

  it('defaults to demoting below 0.8 after 5 of the newest 20 decisions', () => {
    const r = parseConfig(policy('  tick: 10s'));
    if (!r.ok) throw new Error(JSON.stringify(r.errors));
    expect(r.config.raw.monitoring.false_alarms).toEqual({ demote_below: 0.8, min_decisions: 5, over_last: 20 });
  });

  it('refuses a threshold outside 0–1 and a window that can never reach the minimum', () => {
    const bad = parseConfig(policy('  false_alarms: { demote_below: 1.5, min_decisions: 10, over_last: 5 }'));
    if (bad.ok) throw new Error('expected errors');
    expect(bad.errors.map((e) => e.path)).toEqual(expect.arrayContaining(['monitoring.false_alarms.demote_below']));
    const window = parseConfig(policy('  false_alarms: { min_decisions: 10, over_last: 5 }'));
    if (window.ok) throw new Error('expected errors');
    expect(window.errors.find((e) => e.path === 'monitoring.false_alarms.over_last')?.message).toContain('at least min_decisions');
  });
});

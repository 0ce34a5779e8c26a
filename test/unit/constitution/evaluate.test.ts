import { describe, expect, it } from 'vitest';
import { evaluateConstitution } from '../../../src/constitution/evaluate.ts';
import { goodFacts, migration, withPlan } from './facts.ts';

describe('evaluateConstitution', () => {
  it('is compliant when every law passes, and carries the policy version', () => {
    const r = evaluateConstitution(goodFacts());
    expect(r).toMatchObject({ compliant: true, violations: [], warnings: [], policy_version: 'p1' });
    expect(r.laws.map((l) => [l.law, l.verdict])).toEqual([
      ['inhabitance', 'pass'],
      ['harmonic_attraction', 'pass'],
      ['total_coherence', 'pass'],
      ['structural_integrity', 'pass'],
    ]);
  });

  it("names the law in each message, as the seed does", () => {
    const r = evaluateConstitution({
      ...withPlan({ migrations: [migration('0004_drop', 'destructive', true)] }),
      triggerType: 'automatic',
      entropy: { errorRatePerMinute: 0.2, observedAt: null },
    });
    expect(r.compliant).toBe(false);
    expect(r.violations).toEqual([
      expect.stringMatching(/^Law of Inhabitance violated: migration 0004_drop is destructive/),
      expect.stringMatching(/^Law of Total Coherence violated: system already stable/),
    ]);
  });

  it('stays compliant with warnings only', () => {
    const r = evaluateConstitution(goodFacts({ entropy: { errorRatePerMinute: null, observedAt: null } }));
    expect(r.compliant).toBe(true);
    expect(r.warnings).toEqual(['Law of Total Coherence: entropy unknown: no recent health sample']);
  });
});

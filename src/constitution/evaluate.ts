import { harmonicAttraction } from './harmonic-attraction.ts';
import { inhabitance } from './inhabitance.ts';
import { structuralIntegrity } from './structural-integrity.ts';
import { totalCoherence } from './total-coherence.ts';
import type { Law, LawFacts, ValidationResult } from './types.ts';

export const LAWS: readonly Law[] = [inhabitance, harmonicAttraction, totalCoherence, structuralIntegrity];

/** Runs the four laws; compliant means no law found a violation. Messages carry their law's name, as in the seed. */
export function evaluateConstitution(facts: LawFacts): ValidationResult {
  const laws = LAWS.map((law) => law(facts));
  return {
    compliant: laws.every((l) => l.violations.length === 0),
    violations: laws.flatMap((l) => l.violations.map((m) => `${l.title} violated: ${m}`)),
    warnings: laws.flatMap((l) => l.warnings.map((m) => `${l.title}: ${m}`)),
    laws,
    policy_version: facts.plan.policy_version,
  };
}

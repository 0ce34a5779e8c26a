import { lawResult } from './law-result.ts';
import type { Law } from './types.ts';

// Law 4, a consistent state: nothing else in flight for the service and environment, and the optional consistency
// probe reports zero inconsistencies. A probe that cannot answer is not a pass.
export const structuralIntegrity: Law = (facts) => {
  const v: string[] = [];
  const { otherRollbacks, deploymentsInProgress } = facts.inFlight;
  if (otherRollbacks.length) v.push(`another rollback is in flight: ${otherRollbacks.join(', ')}`);
  if (deploymentsInProgress.length) v.push(`a deployment is still in progress: ${deploymentsInProgress.map((d) => d.version).join(', ')}`);
  const c = facts.consistency;
  if (c.kind === 'ok' && c.inconsistencies > 0) v.push(`consistency probe reports ${c.inconsistencies} inconsistencies`);
  if (c.kind === 'error') v.push(`consistency probe failed: ${c.message}`);
  return lawResult('structural_integrity', 'Law of Structural Integrity', v);
};

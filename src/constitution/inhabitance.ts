import { lawResult } from './law-result.ts';
import type { Law } from './types.ts';

// Law 1, do no harm: a full rollback must be able to undo every migration after the target, and the state must be
// snapshotted first. A code-only rollback leaves the database alone, so destructive migrations only warn.
export const inhabitance: Law = (facts) => {
  const violations: string[] = [];
  const warnings: string[] = [];
  for (const m of facts.plan.migrations) {
    const risky = m.reversibility === 'destructive' || m.reversibility === 'irreversible';
    if (facts.plan.mode === 'code_only') {
      if (risky) warnings.push(`migration ${m.migration_name} is ${m.reversibility} and stays applied: the old code must tolerate the newer schema`);
      continue;
    }
    if (m.reversibility === 'expand') continue;
    if (risky) violations.push(`migration ${m.migration_name} is ${m.reversibility}; a full rollback cannot undo it — roll back code only, or override`);
    else if (!m.has_rollback_script) violations.push(`migration ${m.migration_name} has no rollback script`);
  }
  if (facts.snapshot && !facts.snapshot.ok) violations.push(`pre-rollback snapshot failed: ${facts.snapshot.error}`);
  return lawResult('inhabitance', 'Law of Inhabitance', violations, warnings);
};

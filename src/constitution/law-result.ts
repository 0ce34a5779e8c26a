import type { LawName, LawResult } from './types.ts';

/** Builds a law's result: fail with any violation, else warn with any warning, else pass. */
export function lawResult(law: LawName, title: string, violations: string[], warnings: string[] = []): LawResult {
  return { law, title, verdict: violations.length ? 'fail' : warnings.length ? 'warn' : 'pass', violations, warnings };
}

import { auditChainOf, type AuditEntry } from '../../src/audit/append-audit.ts';

/** One audit entry about `subject`, numbered `i` in its details. */
export const auditEntry = (subject: string | null, i = 0, reason?: string): AuditEntry => ({ actor: 'test', source: 'system', action: 'test.append', subject, reason, result: 'ok', details: { i } });

/** `count` subjects that land on different chains, none on chain 0. */
export function subjectsOnDistinctChains(count: number, prefix = 's'): string[] {
  const byChain = new Map<number, string>();
  for (let i = 0; byChain.size < count; i++) {
    const s = `${prefix}-${i}`;
    const c = auditChainOf(s);
    if (c !== 0 && !byChain.has(c)) byChain.set(c, s);
  }
  return [...byChain.values()];
}

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

/**
 * What an attacker with the database's rights does after deleting audit rows: moves each chain's head back to the row
 * now newest in it, so the chains and their heads agree again and verify, without a checkpoint, says intact.
 */
export async function rewindChainHeads(pool: { query(text: string): Promise<unknown> }): Promise<void> {
  await pool.query(`update ops.audit_chain_heads h set last_id = coalesce(x.id, 0), last_hash = coalesce(x.hash, repeat('0', 64)), row_count = x.n
     from (select c.chain, (select id from ops.audit_log a where a.chain = c.chain order by id desc limit 1) as id,
                  (select hash from ops.audit_log a where a.chain = c.chain order by id desc limit 1) as hash,
                  (select count(*) from ops.audit_log a where a.chain = c.chain) as n
           from ops.audit_chain_heads c) x
     where x.chain = h.chain`);
}

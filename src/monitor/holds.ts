import { appendAudit } from '../audit/append-audit.ts';
import { requirePolicy } from '../config/require-policy.ts';
import { acknowledgeHolds } from '../db/queries/automation-holds.ts';
import { AppError } from '../errors/app-error.ts';
import { hasAnyRole, type Actor, type CoreDeps } from '../core/deps.ts';

/** A person says they have looked: automatic rollbacks of this service and environment may resume. */
export async function acknowledgeHold(deps: CoreDeps, actor: Actor, service: string, environment: string): Promise<number> {
  if (!hasAnyRole(actor, 'approver', 'override')) throw new AppError('FORBIDDEN', `${actor.id} may not resume automation (needs the approver role)`);
  requirePolicy(deps.config, service, environment);
  return deps.db.transaction(async (tx) => {
    const now = deps.clock();
    const rows = await acknowledgeHolds(tx, service, environment, actor.name ?? actor.id, now);
    await appendAudit(tx, { actor: actor.id, source: actor.source, action: 'automation.acknowledge', subject: `${service}/${environment}`, result: `${rows.length} holds released` });
    return rows.length;
  });
}

import { appendAudit } from '../audit/append-audit.ts';
import { requirePolicy } from '../config/require-policy.ts';
import { hasAnyRole, type Actor, type CoreDeps } from '../core/deps.ts';
import { getFreeze, insertFreeze, liftFreezeRow } from '../db/queries/freezes.ts';
import type { FreezeRow } from '../db/schema/index.ts';
import { AppError } from '../errors/app-error.ts';
import { requireReason } from '../admission/validate-input.ts';
import { freezeNotice } from '../notify/freeze-notice.ts';

// Freezes set by hand: anyone who may deploy may stop deploys (stopping is the safe direction); lifting one early
// takes an approver, as resuming automation does.

/** The longest a freeze set by hand may last: a forgotten one should end by itself rather than block deploys for good. */
export const MAX_FREEZE_MS = 30 * 24 * 3_600_000;

export interface FreezeInput {
  service: string;
  environment: string;
  durationMs: number;
  reason: string;
}

export async function setFreeze(deps: CoreDeps, actor: Actor, input: FreezeInput): Promise<FreezeRow> {
  if (!hasAnyRole(actor, 'deployer', 'approver', 'override')) throw new AppError('FORBIDDEN', `${actor.id} may not freeze deploys (needs the deployer, approver or override role)`);
  requirePolicy(deps.config, input.service, input.environment);
  if (!(input.durationMs >= 1000 && input.durationMs <= MAX_FREEZE_MS)) {
    throw new AppError('VALIDATION_FAILED', 'duration: a freeze lasts between 1s and 30d', { details: [{ path: 'duration', message: 'expected a duration between 1s and 30d, such as 2h' }] });
  }
  requireReason(input.reason);
  const frozen = await deps.db.transaction(async (tx) => {
    const now = deps.clock();
    const row = await insertFreeze(tx, {
      service: input.service,
      environment: input.environment,
      reason: input.reason,
      setBy: actor.id,
      setByName: actor.name ?? null,
      startsAt: now,
      endsAt: new Date(now.getTime() + input.durationMs),
    });
    await appendAudit(tx, {
      actor: actor.id,
      source: actor.source,
      action: 'freeze.set',
      subject: row.freezeId,
      reason: input.reason,
      result: 'frozen',
      details: { service: input.service, environment: input.environment, ends_at: row.endsAt.toISOString() },
    });
    return row;
  });
  // After the commit, so the card any process renders reads the freeze it announces.
  await deps.notifier.freeze?.(freezeNotice('freeze_set', frozen));
  return frozen;
}

/** Lifts a freeze set by hand. Lifting one that already ended or was lifted is a conflict, so two people clicking Unfreeze record one lift. */
export async function liftFreeze(deps: CoreDeps, actor: Actor, freezeId: string, reason: string | null): Promise<FreezeRow> {
  if (!hasAnyRole(actor, 'approver', 'override')) throw new AppError('FORBIDDEN', `${actor.id} may not lift a freeze (needs the approver role)`);
  const lifted = await deps.db.transaction(async (tx) => {
    const now = deps.clock();
    const row = await liftFreezeRow(tx, freezeId, actor.name ?? actor.id, reason, now);
    if (!row) {
      const existing = await getFreeze(tx, freezeId);
      if (!existing) throw new AppError('NOT_FOUND', `no freeze ${freezeId}`);
      throw new AppError('CONFLICT', existing.liftedAt ? `freeze ${freezeId} was lifted already by ${existing.liftedBy}` : `freeze ${freezeId} ended at ${existing.endsAt.toISOString()}`);
    }
    await appendAudit(tx, {
      actor: actor.id,
      source: actor.source,
      action: 'freeze.lift',
      subject: freezeId,
      reason,
      result: 'lifted',
      details: { service: row.service, environment: row.environment },
    });
    return row;
  });
  await deps.notifier.freeze?.(freezeNotice('freeze_lifted', lifted));
  return lifted;
}

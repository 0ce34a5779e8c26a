import { appendAudit } from '../audit/append-audit.ts';
import { requirePolicy } from '../config/require-policy.ts';
import { hasAnyRole, type Actor, type CoreDeps } from '../core/deps.ts';
import { getPass, grantPassRow, insertPass } from '../db/queries/freezes.ts';
import type { DeployPassRow } from '../db/schema/index.ts';
import { AppError } from '../errors/app-error.ts';
import { requireReason } from '../admission/validate-input.ts';
import { passNotice } from '../notify/freeze-notice.ts';

// Letting one deploy through a freeze is a two-person decision, as a constitutional override is: someone with the
// override role asks, with a reason, and a second person (an approver) grants it. The pass is for one version, is
// spent by the one deployment CI records with it, and lapses unused after PASS_TTL_MS.

export const PASS_TTL_MS = 3_600_000;

export interface PassInput {
  service: string;
  environment: string;
  version: string;
  reason: string;
}

export async function requestPass(deps: CoreDeps, actor: Actor, input: PassInput): Promise<DeployPassRow> {
  if (!hasAnyRole(actor, 'override')) throw new AppError('FORBIDDEN', `${actor.id} may not let a deploy through a freeze (needs the override role)`);
  requireReason(input.reason);
  requirePolicy(deps.config, input.service, input.environment);
  const asked = await deps.db.transaction(async (tx) => {
    const now = deps.clock();
    const row = await insertPass(tx, { ...input, requestedBy: actor.id, requestedByName: actor.name ?? null, requestedAt: now, expiresAt: new Date(now.getTime() + PASS_TTL_MS) });
    await appendAudit(tx, {
      actor: actor.id,
      source: actor.source,
      action: 'gate.pass_request',
      subject: row.passId,
      reason: input.reason,
      result: 'awaiting a second person',
      severity: 'warning',
      details: { service: input.service, environment: input.environment, version: input.version },
    });
    return row;
  });
  // After the commit: the message with the Grant button reads the pass it offers.
  await deps.notifier.freeze?.(passNotice('pass_requested', asked));
  return asked;
}

export async function grantPass(deps: CoreDeps, actor: Actor, passId: string): Promise<DeployPassRow> {
  if (!hasAnyRole(actor, 'approver', 'override')) throw new AppError('FORBIDDEN', `${actor.id} may not grant a pass through a freeze (needs the approver role)`);
  const granted = await deps.db.transaction(async (tx) => {
    const now = deps.clock();
    const pass = await getPass(tx, passId);
    if (!pass) throw new AppError('NOT_FOUND', `no pass ${passId}`);
    // The same person through two paths (Discord and a token linked by `people:`) has one identity, so this holds.
    if (pass.requestedBy === actor.id) throw new AppError('FORBIDDEN', `the second person must be someone other than ${pass.requestedByName ?? pass.requestedBy}, who asked for the pass`);
    const row = await grantPassRow(tx, passId, actor.id, actor.name ?? null, now);
    if (!row) {
      const why = pass.usedAt ? 'was used already' : pass.grantedAt ? `was granted already by ${pass.grantedByName ?? pass.grantedBy}` : `expired at ${pass.expiresAt.toISOString()}`;
      throw new AppError('CONFLICT', `pass ${passId} ${why}`);
    }
    await appendAudit(tx, {
      actor: actor.id,
      source: actor.source,
      action: 'gate.pass_grant',
      subject: passId,
      reason: pass.reason,
      result: 'granted',
      severity: 'high',
      details: { service: row.service, environment: row.environment, version: row.version, requested_by: row.requestedBy },
    });
    return row;
  });
  await deps.notifier.freeze?.(passNotice('pass_granted', granted));
  return granted;
}

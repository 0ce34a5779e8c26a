import { appendAudit } from '../audit/append-audit.ts';
import type { Action } from '../config/monitoring-schema.ts';
import { getDeployment } from '../db/queries/deployments.ts';
import { markRaised } from '../db/queries/rollback-transitions.ts';
import type { RollbackEventRow } from '../db/schema/index.ts';
import { judgeRollback } from '../admission/judge-rollback.ts';
import { noticeFor } from '../notify/notice-for.ts';
import { rank } from '../health/rules/ladder.ts';
import type { MonitorDeps } from './types.ts';

export type RaiseOutcome = { raised: 'auto' | 'auto_with_veto'; event: RollbackEventRow } | { raised: null; why: string };

/**
 * A stronger decision about a deployment whose rollback still waits for people raises that rollback instead of
 * being swallowed as "already in progress": `auto` approves it (if the constitution allows an automatic rollback)
 * and starts it; `auto_with_veto` starts the countdown. The card says why. Conditional on the row still awaiting
 * approval, so a person's reject or cancel that lands first wins.
 */
export async function raisePending(deps: MonitorDeps, pending: RollbackEventRow, action: Action, reason: string, autoAt?: Date): Promise<RaiseOutcome> {
  if (pending.status !== 'awaiting_approval') return { raised: null, why: `the rollback is already ${pending.status}` };
  if (action !== 'auto' && action !== 'auto_with_veto') return { raised: null, why: 'a proposal is already waiting' };
  // A countdown needs its end: checked before anything is written, so the row is never raised without its timer.
  if (action === 'auto_with_veto' && !autoAt) return { raised: null, why: 'a veto countdown needs its end time' };
  const current = pending.metadata ?? {};
  if (current.automation && rank(current.automation) >= rank(action)) return { raised: null, why: `the pending rollback is already ${current.automation}` };
  const from = await getDeployment(deps.db, pending.deploymentId);
  const policy = from && deps.config.resolve(from.service, from.environment);
  if (!from || !policy) return { raised: null, why: 'the deployment is no longer configured' };
  const now = deps.clock();

  if (action === 'auto') {
    // Within the constitution: judged as the automatic rollback it is about to become.
    const { validation } = await judgeRollback(deps, deps.db, {
      from,
      policy,
      mode: pending.rollbackPlan?.mode ?? 'full',
      triggerType: 'automatic',
      eventId: pending.eventId,
      snapshot: null,
    });
    if (!validation.compliant) return { raised: null, why: `an automatic rollback is refused by the constitution: ${validation.violations.join('; ')}` };
  }
  const raised = await deps.db.transaction(async (tx) => {
    const metadata = { automation: action, raised_by: reason, ...(autoAt ? { auto_at: autoAt.toISOString() } : {}) };
    const row = await markRaised(tx, pending.eventId, { approve: action === 'auto', metadata }, now);
    if (row) {
      await appendAudit(tx, { actor: 'backstop', source: 'system', action: `rollback.raise_${action}`, subject: pending.eventId, reason, result: row.status, severity: 'high' });
    }
    return row;
  });
  if (!raised) return { raised: null, why: 'a person decided first' };
  if (action === 'auto') {
    await deps.notifier.notify(noticeFor(raised, 'approved', `Raised to an automatic rollback while it waited for approval: ${reason}`));
    await deps.enqueue(raised.eventId);
  } else if (autoAt) {
    await deps.scheduleVetoEnd(raised.eventId, autoAt);
    await deps.notifier.notify(noticeFor(raised, 'approval_recorded', `Raised to roll back automatically unless an approver rejects it: ${reason}`));
  }
  return { raised: action, event: raised };
}

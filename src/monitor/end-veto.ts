import { appendAudit } from '../audit/append-audit.ts';
import { markAutoApproved } from '../db/queries/rollback-transitions.ts';
import { noticeFor } from '../notify/notice-for.ts';
import type { MonitorDeps } from './types.ts';

/**
 * The end of an auto_with_veto countdown: if nobody rejected or cancelled the rollback, the policy approves it and
 * it starts. Conditional on the row still awaiting approval, so a veto that lands at the last moment wins.
 */
export async function endVeto(deps: MonitorDeps, eventId: string): Promise<'started' | 'vetoed'> {
  const now = deps.clock();
  const started = await deps.db.transaction(async (tx) => {
    const row = await markAutoApproved(tx, eventId, now);
    if (row) await appendAudit(tx, { actor: 'backstop', source: 'system', action: 'rollback.auto_approve', subject: eventId, reason: 'veto window ended without a veto', result: 'approved', severity: 'high' });
    return row;
  });
  if (!started) return 'vetoed';
  await deps.notifier.notify(noticeFor(started, 'approved', 'Nobody vetoed within the countdown: rolling back automatically'));
  await deps.enqueue(eventId);
  return 'started';
}

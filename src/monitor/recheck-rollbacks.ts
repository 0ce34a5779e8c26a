import { appendAudit } from '../audit/append-audit.ts';
import { insertHold } from '../db/queries/automation-holds.ts';
import { getRestoredDeployment } from '../db/queries/deployments.ts';
import { insertHealthDecision } from '../db/queries/health-decisions.ts';
import { findRollbacksDueRecheck, getEvent } from '../db/queries/rollback-events.ts';
import { assessDeployment } from '../health/assess.ts';
import { noticeFor } from '../notify/notice-for.ts';
import type { MonitorDeps } from './types.ts';

/**
 * The runbook's later verification phase (phase 1 is the worker's verify step, right after executing): a succeeded
 * rollback is judged again `recheck_after` later, and a rollback whose verification failed is escalated. Either way
 * "rollback did not restore health" puts automation for that service on hold and pages on-call. One read per tick
 * finds the rollbacks due; each is decided once (its decision row is the marker).
 */
export async function recheckRollbacks(deps: MonitorDeps): Promise<number> {
  const now = deps.clock();
  const monitoring = deps.config.raw.monitoring;
  const due = await findRollbacksDueRecheck(deps.db, now, monitoring.recheck_after);
  for (const eventId of due) await recheckOne(deps, eventId);
  return due.length;
}

async function recheckOne(deps: MonitorDeps, eventId: string): Promise<void> {
  const event = await getEvent(deps.db, eventId);
  if (!event) return;
  const policy = deps.config.resolve(event.service, event.environment);
  let problem: string | null = null;
  let evidence: Record<string, unknown> = {};
  if (event.status === 'failed') {
    problem = `rollback did not restore health: ${event.statusReason ?? 'verification failed'}`;
  } else if (policy) {
    // The restored deployment is the row this rollback created (rollback_from → the bad one): judged by the same
    // assessment as everything else.
    const restored = await getRestoredDeployment(deps.db, event.deploymentId);
    const a = restored ? await assessDeployment(deps, restored) : null;
    evidence = a ? { verdict: a.verdict, summary: a.summary, metrics: a.metrics } : { verdict: 'inconclusive', summary: 'the restored deployment was not found' };
    if (a?.verdict === 'unhealthy') problem = `rollback did not restore health: ${a.summary.replace(/^Unhealthy: /, '')}`;
    else if ((!a || a.verdict === 'inconclusive') && policy.verification.on_no_data === 'fail') problem = 'rollback did not restore health: no health data in the later verification phase';
  }
  await deps.db.transaction(async (tx) => {
    await insertHealthDecision(tx, {
      deploymentId: event.deploymentId,
      service: event.service,
      environment: event.environment,
      action: problem ? 'recheck_failed' : 'recheck_passed',
      summary: problem ?? `still healthy ${Math.round(deps.config.raw.monitoring.recheck_after / 60_000)} min after the rollback`,
      evidence,
      eventId,
    });
    if (problem) {
      await insertHold(tx, { service: event.service, environment: event.environment, reason: problem, eventId });
      await appendAudit(tx, { actor: 'backstop', source: 'system', action: 'automation.hold', subject: eventId, reason: problem, result: 'held', severity: 'high' });
    }
  });
  if (problem) {
    await deps.notifier.notify(noticeFor(event, 'escalated', `${problem}. Automatic rollbacks of ${event.service} in ${event.environment} are paused until someone acknowledges (backstop automation ack ${event.service} ${event.environment}).`));
  }
}

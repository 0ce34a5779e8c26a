import { checkVote, describeApprovals, type ApprovalState } from './approval-policy.ts';
import { appendAudit, auditChainOf, chainAuditRows } from '../audit/append-audit.ts';
import { readDecisionState, writeDecision } from '../db/queries/decisions.ts';
import { updateEventPlan } from '../db/queries/rollback-events.ts';
import { decidedPatch, markDecided, type EventPatch } from '../db/queries/rollback-transitions.ts';
import type { RollbackEventRow } from '../db/schema/index.ts';
import { AppError } from '../errors/app-error.ts';
import { isUniqueViolation } from '../errors/infra.ts';
import { approvalStateOf, loadVotes } from './approval-state.ts';
import { buildPlan } from './build-plan.ts';
import type { Actor, CoreDeps } from '../core/deps.ts';
import { judgeRollback } from './judge-rollback.ts';
import { newVote, voteOf } from './record-vote.ts';
import { EXPIRED_REASON, expiryNotice } from './cancel-rollback.ts';
import { noticeFor } from '../notify/notice-for.ts';
import { requireReason, requireUuid } from './validate-input.ts';

export interface Decision {
  eventId: string;
  actor: Actor;
  decision: 'approve' | 'reject';
  reason: string;
  override?: boolean;
}

export type DecisionOutcome =
  | { kind: 'recorded'; event: RollbackEventRow; approval: ApprovalState; planChanged: boolean; enqueued: boolean }
  | { kind: 'refused'; code: string; message: string; event: RollbackEventRow }
  | { kind: 'already_resolved'; event: RollbackEventRow; by: string };

// One approval policy for every source: the vote is checked, recorded against the current plan hash, and the
// event moves to approved (then the queue) or rejected in the same transaction that records the vote.
export async function decideRollback(deps: CoreDeps, input: Decision): Promise<DecisionOutcome> {
  const eventId = requireUuid(input.eventId, 'event_id');
  const reason = requireReason(input.reason);
  const auditChain = auditChainOf(eventId);
  const outcome = await deps.db.transaction(async (tx): Promise<DecisionOutcome> => {
    // The row locked, then one read (its votes, its plan's facts, its audit chain's head) and, for a vote that counts,
    // one write: with BEGIN and COMMIT, five statements.
    const state = await readDecisionState(tx, eventId, auditChain);
    if (!state) throw new AppError('NOT_FOUND', `rollback ${eventId} not found`);
    let { event } = state;
    const now = deps.clock();
    if (event.status !== 'awaiting_approval') {
      return { kind: 'already_resolved', event, by: resolvedByOf(event, state.votes) };
    }
    // Past the deadline the request is over, whatever the reconciler has not yet noticed: the vote is refused and
    // the event expires now (a late approval must never execute a request that had expired).
    if (event.expiresAt && now.getTime() >= event.expiresAt.getTime()) {
      const expired = await markDecided(tx, eventId, 'expired', EXPIRED_REASON, now);
      await appendAudit(tx, { actor: input.actor.id, source: input.actor.source, action: `rollback.${input.decision}`, subject: eventId, reason, result: 'refused: EXPIRED' });
      await appendAudit(tx, { actor: 'backstop', source: 'system', action: 'rollback.expire', subject: eventId, result: 'expired', severity: 'warning' });
      return {
        kind: 'refused',
        code: 'EXPIRED',
        message: `this rollback request expired ${event.expiresAt.toISOString()} without enough approvals, so your vote was not counted and it will not run; request a new rollback if it is still needed`,
        event: expired,
      };
    }

    // Re-derive the plan: if the target, the migrations or the policy moved, earlier approvals no longer count.
    const from = state.stored?.from;
    const policy = from ? deps.config.resolve(from.service, from.environment) : undefined;
    const patch: EventPatch = { updatedAt: now };
    let planChanged = false;
    if (state.stored && from && policy) {
      const mode = event.rollbackPlan?.mode ?? 'full';
      const built = buildPlan(state.stored, mode, deps.config.policyVersion);
      if (built.planHash !== event.planHash) {
        planChanged = true;
        const { validation } = await judgeRollback(deps, tx, { from, policy, mode, triggerType: event.triggerType, eventId, snapshot: null, stored: state.stored });
        Object.assign(patch, { rollbackPlan: built.plan, planHash: built.planHash, targetDeploymentId: built.target?.deploymentId ?? null, constitutionalValidation: validation });
        event = { ...event, ...patch } as RollbackEventRow;
      }
    }

    const votes = state.votes.map(voteOf);
    const refusal = checkVote({
      approver: input.actor.id,
      decision: input.decision,
      requester: event.initiatedBy,
      requesterCounts: event.requesterCounts,
      roles: input.actor.roles,
      override: Boolean(input.override),
      votes,
    });
    if (refusal) {
      if (planChanged) {
        const { rollbackPlan, planHash, targetDeploymentId, constitutionalValidation } = patch;
        await updateEventPlan(tx, eventId, { rollbackPlan, planHash, targetDeploymentId, constitutionalValidation }, now);
      }
      await appendAudit(tx, { actor: input.actor.id, source: input.actor.source, action: `rollback.${input.decision}`, subject: eventId, reason, result: `refused: ${refusal.code}` });
      return { kind: 'refused', code: refusal.code, message: refusal.message, event };
    }

    const withOverrideRole = Boolean(input.override) || input.actor.roles.has('override') || input.actor.roles.has('admin');
    const vote = newVote({ eventId, actor: input.actor, decision: input.decision, reason, planHash: event.planHash ?? '', withOverrideRole, at: now });
    votes.push(voteOf(vote));
    const approval = approvalStateOf(event, votes, now);
    if (approval.state !== 'pending') {
      const status = approval.state;
      const statusReason = status === 'rejected' ? `rejected by ${approval.rejectedBy}: ${reason}` : status === 'expired' ? 'approval window expired' : null;
      Object.assign(patch, decidedPatch(status, statusReason, now));
    }
    // A missing head (migration 0006 not applied) is chainAuditRows' error to raise.
    const [audit] = chainAuditRows(new Map(state.head ? [[auditChain, state.head]] : []), [
      {
        actor: input.actor.id,
        source: input.actor.source,
        action: `rollback.${input.decision}`,
        subject: eventId,
        reason,
        result: patch.status ?? event.status,
        severity: input.override || event.overrideRequested ? 'high' : 'info',
        details: { approvals: describeApprovals(approval), plan_changed: planChanged, override: Boolean(input.override) },
      },
    ]);
    try {
      event = await writeDecision(tx, { vote, eventId, patch, audit: audit! });
    } catch (err) {
      if (isUniqueViolation(err, 'approvals_event_approver_uq')) {
        return { kind: 'refused', code: 'ALREADY_DECIDED', message: 'you have already decided on this rollback', event };
      }
      throw err;
    }
    return { kind: 'recorded', event, approval, planChanged, enqueued: false };
  });

  if (outcome.kind === 'refused' && outcome.code === 'EXPIRED') {
    await deps.notifier.notify(noticeFor(outcome.event, 'expired', expiryNotice(outcome.event)));
  }
  if (outcome.kind === 'recorded') {
    const { event, approval } = outcome;
    const kind = event.status === 'approved' ? 'approved' : event.status === 'rejected' ? 'rejected' : event.status === 'expired' ? 'expired' : 'approval_recorded';
    await deps.notifier.notify(noticeFor(event, kind, `${input.actor.name ?? input.actor.id} ${input.decision === 'approve' ? 'approved' : 'rejected'}: ${describeApprovals(approval)}`, { approvers: approval.approvedBy, reason }));
    if (event.status === 'approved') outcome.enqueued = await deps.enqueue(event.eventId);
  }
  return outcome;
}

/** For a late click: who resolved this rollback ("approved by alice, bob", "cancelled by carol"). */
export async function resolvedBy(q: Parameters<typeof loadVotes>[0], event: RollbackEventRow): Promise<string> {
  return event.statusReason ?? resolvedByOf(event, await loadVotes(q, event.eventId));
}

function resolvedByOf(event: RollbackEventRow, votes: ReadonlyArray<{ decision: string; approver: string; approverName?: string | null }>): string {
  if (event.statusReason) return event.statusReason;
  const approvers = votes.filter((v) => v.decision === 'approve').map((v) => v.approverName ?? v.approver);
  return approvers.length ? `approved by ${approvers.join(', ')}` : event.status;
}

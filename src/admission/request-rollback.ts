import { randomUUID } from 'node:crypto';
import { requirePolicy } from '../config/require-policy.ts';
import type { TriggerType, ValidationResult } from '../constitution/types.ts';
import { appendAudit } from '../audit/append-audit.ts';
import { getDeployment, getDeploymentStatusForUpdate } from '../db/queries/deployments.ts';
import { getActiveEvent, insertEvent } from '../db/queries/rollback-events.ts';
import { markApproved } from '../db/queries/rollback-transitions.ts';
import type { DeploymentRow, RollbackEventRow } from '../db/schema/index.ts';
import type { ResolvedPolicy } from '../config/load.ts';
import { noticeFor } from '../notify/notice-for.ts';
import { AppError } from '../errors/app-error.ts';
import { isUniqueViolation } from '../errors/infra.ts';
import { approvalStateOf } from './approval-state.ts';
import { hasAnyRole, type Actor, type CoreDeps } from '../core/deps.ts';
import { judgeRollback } from './judge-rollback.ts';
import { recordVote } from './record-vote.ts';
import { assessDeployment } from '../health/assess.ts';
import type { PlanDeployment } from '../core/plan.ts';
import { takeSnapshot } from '../deployments/take-snapshot.ts';
import { requireReason, requireUuid } from './validate-input.ts';

/** The status_reason of a request the constitution refused (and that an override did not set aside). */
export const CONSTITUTION_REFUSED = 'Constitutional validation failed';

export interface RollbackRequest {
  deploymentId: string;
  reason: string;
  triggerType: TriggerType;
  /** The evidence behind an automatic or alert trigger (rule, observed value, threshold, window). */
  triggerData?: Record<string, unknown>;
  /** null for an automatic trigger: then every approval must come from people. */
  requester: Actor | null;
  override?: boolean;
  codeOnly?: boolean;
  /** Only the monitor's "auto" action sets this: the policy itself is the approval. */
  preapproved?: boolean;
  /** The monitor's action that asked for this rollback (the circuit breaker counts the automatic ones). */
  automation?: 'propose' | 'auto_with_veto' | 'auto';
  /** auto_with_veto: when the rollback starts by itself unless an approver rejects or cancels it first. */
  autoAt?: Date;
}

export type RequestOutcome =
  | {
      kind: 'admitted';
      event: RollbackEventRow;
      target: PlanDeployment;
      snapshotId: string;
      validation: ValidationResult;
      enqueued: boolean;
    }
  | { kind: 'already_in_progress'; event: RollbackEventRow }
  | { kind: 'rejected'; event: RollbackEventRow; validation: ValidationResult; error: string };

// Admission: the request row is written first (with its plan, validation and the requester's own approval) in one
// transaction; the partial unique index turns a concurrent second request into "already in progress".
export async function requestRollback(deps: CoreDeps, req: RollbackRequest): Promise<RequestOutcome> {
  const deploymentId = requireUuid(req.deploymentId, 'deployment_id');
  const reason = requireReason(req.reason, 'trigger_reason');
  const requester = req.requester;
  if (requester && !hasAnyRole(requester, 'deployer', 'approver', 'override')) {
    throw new AppError('FORBIDDEN', `${requester.id} may not request rollbacks (needs the deployer, approver or admin role)`);
  }
  if (req.override && !(requester && hasAnyRole(requester, 'override'))) {
    throw new AppError('FORBIDDEN', 'override needs the override role');
  }

  const from = await getDeployment(deps.db, deploymentId);
  if (!from) throw new AppError('NOT_FOUND', `deployment ${deploymentId} not found`);
  const policy = requirePolicy(deps.config, from.service, from.environment);

  const outcome = await admit(deps, req, from, policy, requester, reason);
  await announce(deps, outcome);
  return outcome;
}

async function admit(
  deps: CoreDeps,
  req: RollbackRequest,
  from: DeploymentRow,
  policy: ResolvedPolicy,
  requester: Actor | null,
  reason: string,
): Promise<RequestOutcome> {
  const deploymentId = from.deploymentId;
  // An active rollback of the same service and environment answers "already in progress", not a law violation.
  const active = await getActiveEvent(deps.db, from.service, from.environment);
  if (active) return { kind: 'already_in_progress', event: active };
  const eventId = randomUUID();
  const now = deps.clock();
  // Sources (Prometheus, the probe) are read before the transaction opens, never while it holds the row lock.
  const health = await assessDeployment(deps, from);
  try {
    return await deps.db.transaction(async (tx) => {
      // A deployment rolls back once. Locked, so a request racing the finishing rollback (which marks the row in its
      // own transaction) waits for it and then sees rolled_back: a retried request, a late click or a re-firing
      // alert must not run the executor again.
      const current = await getDeploymentStatusForUpdate(tx, deploymentId);
      if (current?.status === 'rolled_back') {
        throw new AppError('CONFLICT', `deployment ${deploymentId} (${from.service} ${from.version}) was already rolled back; roll back its successor instead`);
      }
      const snapshotId = await takeSnapshot(tx, { type: 'pre_rollback', deployment: from, eventId, policy, policyVersion: deps.config.policyVersion, at: deps.clock(), maxSampleAgeMs: deps.config.raw.monitoring.max_sample_age });
      // At admission the partial unique index is the guard against a concurrent rollback (it answers "already in
      // progress"), so a racing request must not be judged a Law 4 violation and recorded as rejected.
      const { built, validation } = await judgeRollback(deps, tx, {
        from,
        policy,
        mode: req.codeOnly ? 'code_only' : 'full',
        triggerType: req.triggerType,
        eventId,
        snapshot: { ok: true, snapshotId },
        ignoreOtherRollbacks: true,
        health,
      });
      // An override can set aside a violation, but never the lack of a target: there is nothing to roll back to.
      const refused = (!validation.compliant && !req.override) || !built.target;

      let event = await insertEvent(tx, {
        eventId,
        deploymentId,
        targetDeploymentId: built.target?.deploymentId ?? null,
        service: from.service,
        environment: from.environment,
        triggerType: req.triggerType,
        triggerReason: reason,
        triggerData: req.triggerData ?? null,
        initiatedBy: requester?.id ?? null,
        initiatedAt: now,
        status: refused ? 'rejected' : req.preapproved ? 'approved' : 'awaiting_approval',
        statusReason: refused ? CONSTITUTION_REFUSED : null,
        rollbackPlan: built.plan,
        planHash: built.planHash,
        constitutionalValidation: validation,
        overrideRequested: Boolean(req.override),
        approvalsRequired: req.preapproved ? 0 : policy.approvals.required,
        requesterCounts: policy.approvals.requester_counts,
        expiresAt: new Date(now.getTime() + policy.approvals.expires_after),
        approvedAt: req.preapproved ? now : null,
        completedAt: refused ? now : null,
        metadata: {
          requester_name: requester?.name ?? null,
          source: requester?.source ?? 'system',
          ...(req.automation ? { automation: req.automation } : {}),
          ...(req.autoAt ? { auto_at: req.autoAt.toISOString() } : {}),
        },
      });

      // Whoever asks counts as the first approval, when the environment allows it and they may approve at all.
      if (!refused && !req.preapproved && requester && policy.approvals.requester_counts && hasAnyRole(requester, 'approver', 'override')) {
        const vote = await recordVote(tx, {
          eventId,
          actor: requester,
          decision: 'approve',
          reason,
          planHash: built.planHash,
          withOverrideRole: Boolean(req.override) && hasAnyRole(requester, 'override'),
          at: now,
        });
        const state = approvalStateOf(event, [vote], now);
        if (state.state === 'approved') {
          event = await markApproved(tx, eventId, now);
        }
      }

      await appendAudit(tx, {
        actor: requester?.id ?? 'backstop',
        source: requester?.source ?? 'system',
        action: 'rollback.request',
        subject: eventId,
        reason,
        result: event.status,
        severity: req.override ? 'high' : 'info',
        details: { deployment_id: deploymentId, trigger_type: req.triggerType, override: Boolean(req.override), compliant: validation.compliant },
      });

      if (refused) {
        return { kind: 'rejected', event, validation, error: CONSTITUTION_REFUSED } as const;
      }
      return { kind: 'admitted', event, target: built.plan.target!, snapshotId, validation, enqueued: false } as const;
    });
  } catch (err) {
    if (isUniqueViolation(err, 'rollback_events_one_active_idx')) {
      const active = await getActiveEvent(deps.db, from.service, from.environment);
      if (active) return { kind: 'already_in_progress', event: active };
    }
    throw err;
  }
}

// After commit: tell the channel, and hand an approved rollback to the queue (a down queue leaves it for the reconciler).
async function announce(deps: CoreDeps, outcome: RequestOutcome): Promise<void> {
  if (outcome.kind === 'already_in_progress') return;
  const { event } = outcome;
  if (outcome.kind === 'rejected') {
    await deps.notifier.notify(noticeFor(event, 'constitutional_violation', `Rollback refused: ${outcome.validation.violations.join('; ') || outcome.error}`, { validation: outcome.validation }));
    return;
  }
  await deps.notifier.notify(noticeFor(event, 'requested', `Rollback requested: ${event.triggerReason}`, { validation: outcome.validation, target: outcome.target }));
  if (event.status === 'approved') {
    outcome.enqueued = await deps.enqueue(event.eventId);
  } else {
    await deps.notifier.notify(noticeFor(event, 'approval_needed', `Approval needed for the rollback of ${event.service} in ${event.environment}`, { expires_at: event.expiresAt?.toISOString() }));
  }
}

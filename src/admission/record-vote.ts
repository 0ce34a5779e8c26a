import type { ApprovalVote } from './approval-policy.ts';
import type { Queryable } from '../db/client.ts';
import { insertVote } from '../db/queries/rollback-events.ts';
import type { Actor } from '../core/deps.ts';

/**
 * Records one person's vote, bound to the plan it was cast on, and returns it as the approval policy counts it. The
 * one place a vote is written: the requester's own approval at admission and every later approve or reject.
 */
export async function recordVote(
  q: Queryable,
  input: { eventId: string; actor: Actor; decision: 'approve' | 'reject'; reason: string; planHash: string; withOverrideRole: boolean; at: Date },
): Promise<ApprovalVote> {
  const { actor } = input;
  await insertVote(q, {
    eventId: input.eventId,
    approver: actor.id,
    approverName: actor.name ?? null,
    decision: input.decision,
    reason: input.reason,
    source: actor.source,
    planHash: input.planHash,
    withOverrideRole: input.withOverrideRole,
    decidedAt: input.at,
  });
  return { approver: actor.id, approverName: actor.name ?? null, decision: input.decision, planHash: input.planHash, withOverrideRole: input.withOverrideRole, decidedAt: input.at };
}

import type { ApprovalVote } from './approval-policy.ts';
import type { Queryable } from '../db/client.ts';
import type { approvals } from '../db/schema/index.ts';
import { insertVote } from '../db/queries/rollback-events.ts';
import type { Actor } from '../core/deps.ts';

export interface VoteInput {
  eventId: string;
  actor: Actor;
  decision: 'approve' | 'reject';
  reason: string;
  planHash: string;
  withOverrideRole: boolean;
  at: Date;
}

/** One person's vote as stored, bound to the plan it was cast on. */
export function newVote(input: VoteInput): typeof approvals.$inferInsert & ApprovalVote {
  const { actor } = input;
  return {
    eventId: input.eventId,
    approver: actor.id,
    approverName: actor.name ?? null,
    decision: input.decision,
    reason: input.reason,
    source: actor.source,
    planHash: input.planHash,
    withOverrideRole: input.withOverrideRole,
    decidedAt: input.at,
  };
}

/** A stored vote as the approval policy counts it. */
export function voteOf(v: ApprovalVote): ApprovalVote {
  return { approver: v.approver, approverName: v.approverName, decision: v.decision, planHash: v.planHash, withOverrideRole: v.withOverrideRole, decidedAt: v.decidedAt };
}

/**
 * Records one person's vote and returns it as the approval policy counts it: the requester's own approval at
 * admission. A later approve or reject is written by decideRollback together with the status it moves.
 */
export async function recordVote(q: Queryable, input: VoteInput): Promise<ApprovalVote> {
  const vote = newVote(input);
  await insertVote(q, vote);
  return voteOf(vote);
}

import { evaluateApprovals, type ApprovalState, type ApprovalVote } from './approval-policy.ts';
import type { Queryable } from '../db/client.ts';
import { findVotes } from '../db/queries/rollback-events.ts';
import type { RollbackEventRow } from '../db/schema/index.ts';
import { voteOf } from './record-vote.ts';

export async function loadVotes(q: Queryable, eventId: string): Promise<ApprovalVote[]> {
  return (await findVotes(q, eventId)).map(voteOf);
}

/** The approval state of a stored event, judged by the one shared policy. */
export function approvalStateOf(event: RollbackEventRow, votes: ApprovalVote[], now: Date): ApprovalState {
  return evaluateApprovals({
    required: event.approvalsRequired,
    requesterCounts: event.requesterCounts,
    requester: event.initiatedBy,
    planHash: event.planHash ?? '',
    overrideRequired: event.overrideRequested && event.constitutionalValidation?.compliant === false,
    votes,
    now,
    expiresAt: event.expiresAt,
  });
}

/**
 * How many approvals an event needs, whatever the votes so far: the `need` of its approval state, so every read agrees
 * with the policy (an override needs at least 2) instead of printing the environment's number stored on the row.
 */
export const approvalsNeeded = (event: RollbackEventRow): number => approvalStateOf(event, [], event.initiatedAt).need;

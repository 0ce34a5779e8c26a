import type { ApprovalRow } from '../../../db/schema/index.ts';
import type { FitLine } from '../../../discord/limits.ts';
import { truncate, userText } from '../../../discord/text.ts';

// Longer names are cut so the reason, which says why, keeps its room (Discord names are at most 32 characters).
const NAME_MAX = 64;

/**
 * Who decided and why, one line per vote in the order they came: "✅ **alice** approved: error rate confirmed".
 * A vote given for an earlier plan says so, since the policy no longer counts it. Names and reasons are user text,
 * made inert; only the reason may be cut (fitLines), so the markup around the name always stays closed.
 */
export function voteLines(votes: ApprovalRow[], planHash: string | null): FitLine[] {
  return votes.map((v) => {
    const icon = v.decision === 'approve' ? '✅' : '🚫';
    const verb = v.decision === 'approve' ? 'approved' : 'rejected';
    const stale = planHash !== null && v.planHash !== planHash ? ' an earlier plan' : '';
    return { fixed: `${icon} **${truncate(userText(v.approverName ?? v.approver), NAME_MAX)}** ${verb}${stale}: `, text: userText(v.reason) };
  });
}

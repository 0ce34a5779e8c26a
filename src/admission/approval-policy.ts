// The one approval policy, used alike by the API, the CLI and Discord. Pure: votes in, state out.

export interface ApprovalVote {
  approver: string;
  decision: 'approve' | 'reject';
  planHash: string;
  withOverrideRole: boolean;
  approverName?: string | null;
  /** When the vote was cast; an approval cast at or after the deadline never counts. */
  decidedAt?: Date;
}

export interface ApprovalState {
  state: 'pending' | 'approved' | 'rejected' | 'expired';
  have: number;
  need: number;
  approvedBy: string[];
  rejectedBy: string | null;
  overrideSatisfied: boolean;
  /** What is still needed, in one sentence; '' once approved. */
  missing: string;
}

export interface ApprovalInput {
  required: number;
  requesterCounts: boolean;
  requester: string | null;
  planHash: string;
  /** The constitution found violations and an override was asked for. */
  overrideRequired: boolean;
  votes: ApprovalVote[];
  now: Date;
  expiresAt: Date | null;
}

export function evaluateApprovals(input: ApprovalInput): ApprovalState {
  const veto = input.votes.find((v) => v.decision === 'reject');
  // Distinct people, approving this exact plan; the requester only when the environment lets them count.
  const counted = new Map<string, ApprovalVote>();
  const deadline = input.expiresAt?.getTime() ?? Infinity;
  for (const v of input.votes) {
    if (v.decision !== 'approve' || v.planHash !== input.planHash) continue;
    // A quorum must be gathered before the deadline: a late approval is not an approval.
    if (v.decidedAt && v.decidedAt.getTime() >= deadline) continue;
    if (!input.requesterCounts && v.approver === input.requester) continue;
    if (!counted.has(v.approver)) counted.set(v.approver, v);
  }
  const approvers = [...counted.values()];
  // Override = someone with the override role, plus a second person.
  const need = input.overrideRequired ? Math.max(input.required, 2) : input.required;
  const overrideSatisfied = !input.overrideRequired || approvers.some((v) => v.withOverrideRole);
  const base = {
    have: approvers.length,
    need,
    approvedBy: approvers.map((v) => v.approverName ?? v.approver),
    rejectedBy: veto ? (veto.approverName ?? veto.approver) : null,
    overrideSatisfied,
  };
  if (veto) return { ...base, state: 'rejected', missing: `rejected by ${base.rejectedBy}` };
  if (approvers.length >= need && overrideSatisfied) return { ...base, state: 'approved', missing: '' };
  if (input.expiresAt && input.now.getTime() >= input.expiresAt.getTime()) {
    return { ...base, state: 'expired', missing: 'the approval window expired' };
  }
  const parts: string[] = [];
  if (approvers.length < need) parts.push(`waiting for ${need - approvers.length} more approver${need - approvers.length === 1 ? '' : 's'}`);
  if (!overrideSatisfied) parts.push('an approver with the override role must approve the override');
  return { ...base, state: 'pending', missing: parts.join('; ') };
}

export type ApprovalRefusal = {
  code: 'REQUESTER_CANNOT_APPROVE' | 'ALREADY_DECIDED' | 'NOT_AN_APPROVER' | 'OVERRIDE_ROLE_REQUIRED' | 'EXPIRED';
  message: string;
};

export function checkVote(input: {
  approver: string;
  decision: 'approve' | 'reject';
  requester: string | null;
  requesterCounts: boolean;
  roles: ReadonlySet<string>;
  override: boolean;
  votes: ApprovalVote[];
}): ApprovalRefusal | null {
  const { roles } = input;
  if (!roles.has('approver') && !roles.has('override') && !roles.has('admin')) {
    return { code: 'NOT_AN_APPROVER', message: 'you do not have the approver role' };
  }
  if (input.override && !roles.has('override') && !roles.has('admin')) {
    return { code: 'OVERRIDE_ROLE_REQUIRED', message: 'you do not have the override role' };
  }
  if (input.votes.some((v) => v.approver === input.approver)) {
    return { code: 'ALREADY_DECIDED', message: 'you have already decided on this rollback' };
  }
  if (input.decision === 'approve' && !input.requesterCounts && input.approver === input.requester) {
    return { code: 'REQUESTER_CANNOT_APPROVE', message: 'in this environment you cannot approve a rollback you asked for; another person must' };
  }
  return null;
}

/** "1/2 approvals (alice); waiting for 1 more approver" — for cards, the CLI and the audit log. */
export function describeApprovals(state: ApprovalState): string {
  const who = state.approvedBy.length ? ` (${state.approvedBy.join(', ')})` : '';
  const head = `${state.have}/${state.need} approvals${who}`;
  if (state.state === 'approved') return `${head}; approved`;
  if (state.state === 'rejected') return `${head}; rejected by ${state.rejectedBy}`;
  if (state.state === 'expired') return `${head}; expired`;
  return `${head}; ${state.missing}`;
}

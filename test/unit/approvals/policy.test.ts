import { describe, expect, it } from 'vitest';
import { checkVote, describeApprovals, evaluateApprovals, type ApprovalInput, type ApprovalVote } from '../../../src/admission/approval-policy.ts';

const NOW = new Date('2026-11-22T14:00:00Z');
const LATER = new Date('2026-11-22T14:15:00Z');
const vote = (approver: string, decision: 'approve' | 'reject' = 'approve', planHash = 'P', withOverrideRole = false): ApprovalVote => ({ approver, decision, planHash, withOverrideRole });
const input = (o: Partial<ApprovalInput>): ApprovalInput => ({ required: 2, requesterCounts: true, requester: 'alice', planHash: 'P', overrideRequired: false, votes: [], now: NOW, expiresAt: LATER, ...o });

describe('evaluateApprovals', () => {
  it.each<[string, Partial<ApprovalInput>, string, number, number]>([
    ['two-person rule: requester plus one', { votes: [vote('alice'), vote('bob')] }, 'approved', 2, 2],
    ['two-person rule: one is not enough', { votes: [vote('alice')] }, 'pending', 1, 2],
    ['a person counts once', { votes: [vote('bob'), vote('bob')] }, 'pending', 1, 2],
    ['requester_counts false ignores the requester', { requesterCounts: false, votes: [vote('alice'), vote('bob')] }, 'pending', 1, 2],
    ['requester_counts false, two others', { requesterCounts: false, votes: [vote('bob'), vote('carol')] }, 'approved', 2, 2],
    ['one reject vetoes', { votes: [vote('alice'), vote('bob'), vote('carol', 'reject')] }, 'rejected', 2, 2],
    ['a reject on an old plan still vetoes', { votes: [vote('bob', 'reject', 'OLD')] }, 'rejected', 0, 2],
    ['approvals for an old plan do not count', { votes: [vote('alice', 'approve', 'OLD'), vote('bob')] }, 'pending', 1, 2],
    ['expired before enough approvals', { votes: [vote('alice')], now: LATER }, 'expired', 1, 2],
    ['approved just before expiry stays approved', { votes: [vote('alice'), vote('bob')], now: LATER }, 'approved', 2, 2],
    [
      'an approval cast at the deadline does not count',
      { votes: [{ ...vote('alice'), decidedAt: NOW }, { ...vote('bob'), decidedAt: LATER }], now: LATER },
      'expired',
      1,
      2,
    ],
    [
      'a quorum gathered before the deadline stays approved when read later',
      { votes: [{ ...vote('alice'), decidedAt: NOW }, { ...vote('bob'), decidedAt: new Date(LATER.getTime() - 1) }], now: new Date(LATER.getTime() + 3_600_000) },
      'approved',
      2,
      2,
    ],
    ['staging: one approval', { required: 1, votes: [vote('alice')] }, 'approved', 1, 1],
    ['override needs the override role', { required: 1, overrideRequired: true, votes: [vote('alice'), vote('bob')] }, 'pending', 2, 2],
    ['override needs a second person', { required: 1, overrideRequired: true, votes: [vote('bob', 'approve', 'P', true)] }, 'pending', 1, 2],
    ['override role plus a second person', { required: 1, overrideRequired: true, votes: [vote('bob', 'approve', 'P', true), vote('carol')] }, 'approved', 2, 2],
  ])('%s', (_name, o, state, have, need) => {
    const r = evaluateApprovals(input(o));
    expect({ state: r.state, have: r.have, need: r.need }).toEqual({ state, have, need });
  });

  it('never approves an automatic proposal on its own: it has no requester vote', () => {
    expect(evaluateApprovals(input({ requester: null, required: 1 })).state).toBe('pending');
  });

  it('describes itself for cards and the CLI', () => {
    expect(describeApprovals(evaluateApprovals(input({ votes: [vote('alice')] })))).toBe('1/2 approvals (alice); waiting for 1 more approver');
    expect(describeApprovals(evaluateApprovals(input({ votes: [vote('alice'), vote('bob', 'reject')] })))).toBe('1/2 approvals (alice); rejected by bob');
  });
});

describe('checkVote', () => {
  const roles = (...r: string[]) => new Set(r);
  it.each<[string, Parameters<typeof checkVote>[0], string | null]>([
    ['an approver approves', { approver: 'bob', decision: 'approve', requester: 'alice', requesterCounts: true, roles: roles('approver'), override: false, votes: [] }, null],
    ['a deployer cannot approve', { approver: 'ci', decision: 'approve', requester: 'alice', requesterCounts: true, roles: roles('deployer'), override: false, votes: [] }, 'NOT_AN_APPROVER'],
    ['override without the role', { approver: 'bob', decision: 'approve', requester: 'alice', requesterCounts: true, roles: roles('approver'), override: true, votes: [] }, 'OVERRIDE_ROLE_REQUIRED'],
    ['admin may override', { approver: 'root', decision: 'approve', requester: 'alice', requesterCounts: true, roles: roles('admin'), override: true, votes: [] }, null],
    ['second vote by the same person', { approver: 'bob', decision: 'reject', requester: 'alice', requesterCounts: true, roles: roles('approver'), override: false, votes: [vote('bob')] }, 'ALREADY_DECIDED'],
    ['requester approving in a strict environment', { approver: 'alice', decision: 'approve', requester: 'alice', requesterCounts: false, roles: roles('approver'), override: false, votes: [] }, 'REQUESTER_CANNOT_APPROVE'],
    ['requester rejecting in a strict environment', { approver: 'alice', decision: 'reject', requester: 'alice', requesterCounts: false, roles: roles('approver'), override: false, votes: [] }, null],
  ])('%s', (_name, args, code) => {
    expect(checkVote(args)?.code ?? null).toBe(code);
  });
});

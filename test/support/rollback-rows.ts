import type { ApprovalRow, HealthDecisionRow, RollbackEventRow } from '../../src/db/schema/index.ts';
import { samplePlan } from './sample-plan.ts';

// Stored rows as the renderers receive them, for unit tests of what Discord shows: the seed's payments/production
// rollback from v2.5.3 to v2.5.2, awaiting two approvals.

export const NOW = new Date('2026-11-22T14:05:00.000Z');
export const EVENT_ID = '3f1c9a52-8d1e-4b7a-9c3e-2a6f0b1d4e5c';

export function eventRow(over: Partial<RollbackEventRow> = {}): RollbackEventRow {
  return {
    id: 1,
    eventId: EVENT_ID,
    deploymentId: '11111111-1111-4111-8111-111111111111',
    targetDeploymentId: '22222222-2222-4222-8222-222222222222',
    service: 'payments',
    environment: 'production',
    triggerType: 'automatic',
    triggerReason: 'High error rate (8.5 errors/minute)',
    triggerData: { metric: 'error_rate_per_minute', observed: 8.5, op: '>', threshold: 5, window: '5m' },
    initiatedBy: null,
    initiatedAt: new Date('2026-11-22T14:02:00.000Z'),
    status: 'awaiting_approval',
    statusReason: null,
    rollbackPlan: samplePlan,
    planHash: 'h1',
    constitutionalValidation: { compliant: true, violations: [], warnings: [], laws: [], policy_version: 'p1' },
    overrideRequested: false,
    approvalsRequired: 2,
    requesterCounts: true,
    expiresAt: new Date('2026-11-22T14:17:00.000Z'),
    rollbackSteps: [],
    claimFence: 0,
    claimedBy: null,
    heartbeatAt: null,
    approvedAt: null,
    startedAt: null,
    completedAt: null,
    updatedAt: NOW,
    metadata: null,
    ...over,
  };
}

let voteId = 0;
export function voteRow(over: Partial<ApprovalRow> & Pick<ApprovalRow, 'approverName' | 'reason'>): ApprovalRow {
  return {
    id: ++voteId,
    eventId: EVENT_ID,
    approver: `discord:${100000000000000000 + voteId}`,
    decision: 'approve',
    source: 'discord',
    planHash: 'h1',
    withOverrideRole: false,
    decidedAt: NOW,
    ...over,
  };
}

export function decisionRow(over: Partial<HealthDecisionRow> & Pick<HealthDecisionRow, 'action' | 'summary'>): HealthDecisionRow {
  return {
    id: 41,
    deploymentId: '11111111-1111-4111-8111-111111111111',
    service: 'payments',
    environment: 'production',
    evidence: {},
    eventId: EVENT_ID,
    decidedAt: NOW,
    ...over,
  };
}

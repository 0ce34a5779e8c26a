import type { RollbackPlan } from '../../src/core/plan.ts';

/** payments/production rolling back from v2.5.3 to v2.5.2, the seed's own example. */
export const samplePlan = {
  service: 'payments',
  environment: 'production',
  from: { deployment_id: 'd-bad', version: 'v2.5.3', git_commit: 'b81c0de', deployed_at: '2026-11-22T14:00:00.000Z', health_check_passed: false },
  target: { deployment_id: 'd-good', version: 'v2.5.2', git_commit: 'a7f3b29', deployed_at: '2026-11-22T13:45:00.000Z', health_check_passed: true },
  migrations: [],
  mode: 'full',
  policy_version: 'p1',
} satisfies RollbackPlan;

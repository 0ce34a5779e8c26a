import type { LawFacts } from '../../../src/constitution/types.ts';
import type { PlanMigration } from '../../../src/core/plan.ts';
import { samplePlan } from '../../support/sample-plan.ts';

/** A rollback every law passes; each case overrides what it is about. */
export function goodFacts(over: Partial<LawFacts> = {}): LawFacts {
  return {
    triggerType: 'manual',
    plan: samplePlan,
    targetRow: { status: 'success', quarantined: false, service: 'payments', environment: 'production', deployed_at: '2026-11-22T13:45:00.000Z' },
    fromRow: { deployed_at: '2026-11-22T14:00:00.000Z' },
    snapshot: { ok: true, snapshotId: 's1' },
    entropy: { errorRatePerMinute: 8.5, observedAt: '2026-11-22T14:02:00.000Z' },
    inFlight: { otherRollbacks: [], deploymentsInProgress: [] },
    consistency: { kind: 'not_configured' },
    policy: { stable_error_rate_per_minute: 1, max_sample_age: 600_000 },
    ...over,
  };
}

export function migration(name: string, reversibility: PlanMigration['reversibility'], hasScript: boolean): PlanMigration {
  return { deployment_id: 'd-bad', migration_name: name, migration_hash: `h-${name}`, reversibility, has_rollback_script: hasScript, applied_at: '2026-11-22T14:00:01.000Z' };
}

export const withPlan = (plan: Partial<LawFacts['plan']>) => goodFacts({ plan: { ...goodFacts().plan, ...plan } });

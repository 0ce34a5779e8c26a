import type { ConstitutionPolicy } from '../config/schema.ts';
import type { RollbackPlan } from '../core/plan.ts';

export type TriggerType = 'automatic' | 'manual' | 'alert';

export type LawName = 'inhabitance' | 'harmonic_attraction' | 'total_coherence' | 'structural_integrity';

/** Facts gathered before evaluation; the laws themselves do no I/O. */
export interface LawFacts {
  triggerType: TriggerType;
  plan: RollbackPlan;
  /** The target as stored (status and quarantine), re-read so the law checks the row, not the plan's copy. */
  targetRow: { status: string; quarantined: boolean; service: string; environment: string; deployed_at: string } | null;
  /** The deployment being rolled back, as stored. */
  fromRow: { deployed_at: string };
  /** null while no snapshot was attempted yet (at request time the worker has not taken it). */
  snapshot: { ok: true; snapshotId: string } | { ok: false; error: string } | null;
  /** The observed error rate (entropy), from the newest fresh health sample; null when there is none. */
  entropy: { errorRatePerMinute: number | null; observedAt: string | null };
  inFlight: {
    /** Other active rollbacks of the same service and environment (event ids). */
    otherRollbacks: string[];
    /** Deployments of the same service and environment still pending or in progress (a migration may be running). */
    deploymentsInProgress: Array<{ deployment_id: string; version: string }>;
  };
  consistency:
    | { kind: 'not_configured' }
    | { kind: 'ok'; inconsistencies: number }
    | { kind: 'error'; message: string };
  policy: ConstitutionPolicy;
}

export interface LawResult {
  law: LawName;
  title: string;
  verdict: 'pass' | 'warn' | 'fail';
  violations: string[];
  warnings: string[];
}

export interface ValidationResult {
  compliant: boolean;
  violations: string[];
  warnings: string[];
  laws: LawResult[];
  policy_version: string;
}

export type Law = (facts: LawFacts) => LawResult;

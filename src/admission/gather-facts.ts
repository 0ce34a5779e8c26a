import type { ResolvedPolicy } from '../config/load.ts';
import type { LawFacts, TriggerType } from '../constitution/types.ts';
import type { StoredFacts } from '../db/queries/rollback-facts.ts';
import type { DeploymentRow } from '../db/schema/index.ts';
import { runConsistencyProbe } from '../health/consistency-probe.ts';
import type { BuiltPlan } from './build-plan.ts';

export interface FactInputs {
  from: DeploymentRow;
  /** What the database said, read in one statement (readStoredFacts, or folded into a vote's or a claim's). */
  stored: Pick<StoredFacts, 'otherRollbacks' | 'deploymentsInProgress'>;
  built: BuiltPlan;
  policy: ResolvedPolicy;
  triggerType: TriggerType;
  eventId: string;
  snapshot: LawFacts['snapshot'];
  /** Law 3's entropy, from the health assessment of the deployment being rolled back (never another version). */
  entropy: LawFacts['entropy'];
  now: Date;
  secret(name: string): string | undefined;
}

// Everything the four laws judge: the stored facts, and the consistency probe (the only read left, and not from the
// database). The laws themselves stay pure.
export async function gatherFacts(input: FactInputs): Promise<LawFacts> {
  const { from, built, policy } = input;
  const consistency = await runConsistencyProbe(policy.constitution.consistency_probe, { secret: input.secret });
  const t = built.target;
  return {
    triggerType: input.triggerType,
    plan: built.plan,
    targetRow: t
      ? { status: t.status, quarantined: t.quarantined, service: t.service, environment: t.environment, deployed_at: t.deployedAt.toISOString() }
      : null,
    fromRow: { deployed_at: from.deployedAt.toISOString() },
    snapshot: input.snapshot,
    entropy: input.entropy,
    inFlight: { otherRollbacks: input.stored.otherRollbacks, deploymentsInProgress: input.stored.deploymentsInProgress },
    consistency,
    policy: policy.constitution,
  };
}

import type { ResolvedPolicy } from '../config/load.ts';
import type { LawFacts, TriggerType } from '../constitution/types.ts';
import type { Queryable } from '../db/client.ts';
import { findDeploymentsInProgress, getLatestErrorRate } from '../db/queries/deployments.ts';
import { findOtherActiveEvents } from '../db/queries/rollback-events.ts';
import type { DeploymentRow } from '../db/schema/index.ts';
import { runConsistencyProbe } from '../health/consistency-probe.ts';
import type { BuiltPlan } from './build-plan.ts';

export interface FactInputs {
  from: DeploymentRow;
  built: BuiltPlan;
  policy: ResolvedPolicy;
  triggerType: TriggerType;
  eventId: string;
  snapshot: LawFacts['snapshot'];
  now: Date;
  secret(name: string): string | undefined;
}

// Reads everything the four laws judge; the laws themselves stay pure.
export async function gatherFacts(q: Queryable, input: FactInputs): Promise<LawFacts> {
  const { from, built, policy } = input;
  const since = new Date(input.now.getTime() - policy.constitution.max_sample_age);
  const [entropy, otherRollbacks, deploymentsInProgress, consistency] = await Promise.all([
    getLatestErrorRate(q, from.service, from.environment, since),
    findOtherActiveEvents(q, from.service, from.environment, input.eventId),
    findDeploymentsInProgress(q, from),
    runConsistencyProbe(policy.constitution.consistency_probe, { secret: input.secret }),
  ]);
  const t = built.target;
  return {
    triggerType: input.triggerType,
    plan: built.plan,
    targetRow: t
      ? { status: t.status, quarantined: t.quarantined, service: t.service, environment: t.environment, deployed_at: t.deployedAt.toISOString() }
      : null,
    fromRow: { deployed_at: from.deployedAt.toISOString() },
    snapshot: input.snapshot,
    entropy: {
      errorRatePerMinute: entropy?.errorRatePerMinute ?? null,
      observedAt: entropy?.observedAt.toISOString() ?? null,
    },
    inFlight: { otherRollbacks, deploymentsInProgress },
    consistency,
    policy: policy.constitution,
  };
}

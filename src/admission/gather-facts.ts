import { PgTransaction } from 'drizzle-orm/pg-core';
import type { ResolvedPolicy } from '../config/load.ts';
import type { LawFacts, TriggerType } from '../constitution/types.ts';
import type { Queryable } from '../db/client.ts';
import { findDeploymentsInProgress } from '../db/queries/deployments.ts';
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
  /** Law 3's entropy, from the health assessment of the deployment being rolled back (never another version). */
  entropy: LawFacts['entropy'];
  now: Date;
  secret(name: string): string | undefined;
}

// Reads everything the four laws judge; the laws themselves stay pure.
export async function gatherFacts(q: Queryable, input: FactInputs): Promise<LawFacts> {
  const { from, built, policy } = input;
  // A transaction is one connection, so its queries run one after another; on the pool they run side by side.
  const probe = runConsistencyProbe(policy.constitution.consistency_probe, { secret: input.secret });
  const reads = [() => findOtherActiveEvents(q, from.service, from.environment, input.eventId), () => findDeploymentsInProgress(q, from)] as const;
  const [otherRollbacks, deploymentsInProgress] = (q instanceof PgTransaction ? await inSequence(reads) : await Promise.all(reads.map((read) => read()))) as [
    Awaited<ReturnType<(typeof reads)[0]>>,
    Awaited<ReturnType<(typeof reads)[1]>>,
  ];
  const consistency = await probe;
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
    inFlight: { otherRollbacks, deploymentsInProgress },
    consistency,
    policy: policy.constitution,
  };
}

async function inSequence<T extends readonly (() => Promise<unknown>)[]>(reads: T): Promise<unknown[]> {
  const out: unknown[] = [];
  for (const read of reads) out.push(await read());
  return out;
}

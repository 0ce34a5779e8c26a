import type { ResolvedPolicy } from '../config/load.ts';
import { evaluateConstitution } from '../constitution/evaluate.ts';
import type { LawFacts, TriggerType, ValidationResult } from '../constitution/types.ts';
import type { Queryable } from '../db/client.ts';
import type { DeploymentRow } from '../db/schema/index.ts';
import { assessDeployment, type Assessment } from '../health/assess.ts';
import { readStoredFacts, type StoredFacts } from '../db/queries/rollback-facts.ts';
import { AppError } from '../errors/app-error.ts';
import { buildPlan, type BuiltPlan } from './build-plan.ts';
import type { CoreDeps } from '../core/deps.ts';
import { gatherFacts } from './gather-facts.ts';
import type { RollbackPlan } from '../core/plan.ts';

export interface JudgeInput {
  from: DeploymentRow;
  policy: ResolvedPolicy;
  mode: RollbackPlan['mode'];
  triggerType: TriggerType;
  /** The rollback being judged; its own row is never "another rollback in flight". */
  eventId: string;
  snapshot: LawFacts['snapshot'];
  /** At admission the partial unique index guards against a concurrent rollback, not Law 4. */
  ignoreOtherRollbacks?: boolean;
  /** An assessment taken already (outside a transaction); otherwise one is taken now. */
  health?: Assessment;
  /** The stored facts, when the caller read them with something else (a vote's read, a worker's claim); else read now. */
  stored?: StoredFacts;
}

export interface Judgment {
  built: BuiltPlan;
  facts: LawFacts;
  validation: ValidationResult;
  health: Assessment;
}

/** Law 3's entropy: the error rate the assessment saw for the deployment being rolled back, if fresh enough. */
export function entropyOf(health: Assessment, policy: ResolvedPolicy, now: Date): LawFacts['entropy'] {
  const m = health.metrics.error_rate_per_minute;
  if (!m || m.value === null || !m.observed_at) return { errorRatePerMinute: null, observedAt: null };
  if (now.getTime() - Date.parse(m.observed_at) > policy.constitution.max_sample_age) return { errorRatePerMinute: null, observedAt: null };
  return { errorRatePerMinute: m.value, observedAt: m.observed_at };
}

// One judgment of a rollback, wherever it is made (request, vote, worker validation, preview): build the plan,
// gather the facts, evaluate the constitution. `q` is the transaction when there is one; the health assessment reads
// its sources outside it.
export async function judgeRollback(deps: CoreDeps, q: Queryable, input: JudgeInput): Promise<Judgment> {
  const now = deps.clock();
  const health = input.health ?? (await assessDeployment(deps, input.from));
  const stored = input.stored ?? (await readStoredFacts(q, input.from.deploymentId, input.eventId));
  if (!stored) throw new AppError('NOT_FOUND', `deployment ${input.from.deploymentId} not found`);
  const built = buildPlan(stored, input.mode, deps.config.policyVersion);
  const facts = await gatherFacts({
    from: input.from,
    stored,
    built,
    policy: input.policy,
    triggerType: input.triggerType,
    eventId: input.eventId,
    snapshot: input.snapshot,
    entropy: entropyOf(health, input.policy, now),
    now,
    secret: deps.secret,
  });
  const judged = input.ignoreOtherRollbacks ? { ...facts, inFlight: { ...facts.inFlight, otherRollbacks: [] } } : facts;
  return { built, facts: judged, validation: evaluateConstitution(judged), health };
}

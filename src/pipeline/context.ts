import type pg from 'pg';
import type { ResolvedPolicy } from '../config/load.ts';
import type { StoredFacts } from '../db/queries/rollback-facts.ts';
import type { DeploymentRow } from '../db/schema/index.ts';
import type { Executor } from '../executors/types.ts';
import type { DeploymentEvidence } from '../health/pushed-observations.ts';
import type { CoreDeps } from '../core/deps.ts';
import type { RollbackPlan } from '../core/plan.ts';
import type { ExecutionLocks } from './execution-lock.ts';
import type { Claim, EventPatch } from './ledger.ts';

export interface PipelineDeps extends CoreDeps {
  pool: pg.Pool;
  executorFor(policy: ResolvedPolicy): Executor;
  fetch: typeof fetch;
  sleep(ms: number): Promise<void>;
  /** Aborted when the process shuts down. */
  signal: AbortSignal;
  /** The process's execution locks, held on one session of their own. */
  locks: ExecutionLocks;
}

export interface StepContext {
  deps: PipelineDeps;
  claim: Claim;
  from: DeploymentRow;
  policy: ResolvedPolicy;
  plan: RollbackPlan;
  /** Read with the claim: what validation judges and the pre-rollback snapshot records (with `state`). */
  stored: StoredFacts;
  /** The pre-rollback snapshot already stored for this rollback, whose id a new one keeps. */
  preSnapshotId: string | null;
  /** Read with the claim: the database's part of validation's health assessment. */
  evidence: DeploymentEvidence;
}

/** A stage either finishes (with what it found, for the ledger) or stops the rollback in a final status. */
export type StepResult =
  | { ok: true; detail?: Record<string, unknown>; patch?: EventPatch }
  | { ok: false; status: 'failed' | 'rejected'; reason: string; detail?: Record<string, unknown> };

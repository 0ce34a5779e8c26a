import type { PlanDeployment, RollbackPlan } from '../core/plan.ts';

/** The plan the rollback was approved with, as admission built it; an executor only ever runs one that has a target. */
export type ExecutablePlan = RollbackPlan & { target: PlanDeployment };

export interface ExecutionRequest {
  eventId: string;
  /** The event id: a retried job sends the same key, so a receiver can deduplicate. */
  idempotencyKey: string;
  /** What to roll back to and from: the same plan shape from admission to the executor, never copied field by field. */
  plan: ExecutablePlan;
  /** Aborted on shutdown or timeout; the executor stops and reports. */
  signal: AbortSignal;
  /** One line of progress (a stdout line, a status change). Never throws. */
  onProgress(line: string): void;
  /**
   * Called once the rollback has demonstrably begun (the process exists, the webhook or the dispatch was accepted),
   * with what proves it. The caller records it durably; an executor that can hold the start (the command executor)
   * waits for it, and if it throws, stops without starting anything.
   */
  onStarted(proof: StartProof): Promise<void>;
}

/** What shows an executor began: a pid, an HTTP acknowledgement, a workflow run. */
export type StartProof = Record<string, string | number | boolean | null>;

export type ExecutionOutcome =
  | { ok: true; summary: string; details?: Record<string, unknown> }
  | { ok: false; reason: string; retryable: boolean; details?: Record<string, unknown> };

export interface Executor {
  readonly kind: string;
  /**
   * Whether starting this executor again with the same idempotency key is safe after a crash left
   * the first run's outcome unknown. A non-resumable executor is never started twice for one rollback.
   */
  readonly resumable: boolean;
  execute(request: ExecutionRequest): Promise<ExecutionOutcome>;
}

import type { RollbackPlan } from '../rollback/plan-types.ts';

export interface ExecutionRequest {
  eventId: string;
  /** The event id: a retried job sends the same key, so a receiver can deduplicate. */
  idempotencyKey: string;
  service: string;
  environment: string;
  target: { deploymentId: string; version: string; gitCommit: string };
  from: { deploymentId: string; version: string; gitCommit: string };
  plan: RollbackPlan;
  /** Aborted on shutdown or timeout; the executor stops and reports. */
  signal: AbortSignal;
  /** One line of progress (a stdout line, a status change). Never throws. */
  onProgress(line: string): void;
}

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

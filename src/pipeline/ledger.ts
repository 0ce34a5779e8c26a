import type { Db, Queryable } from '../db/client.ts';
import { updateClaimedEvent, updateClaimedEventWithSnapshot, type EventPatch } from '../db/queries/rollback-transitions.ts';
import type { NewSnapshot } from '../db/queries/snapshots.ts';
import type { RollbackEventRow } from '../db/schema/index.ts';
import { AppError } from '../errors/app-error.ts';

export const STEPS = ['validate', 'snapshot', 'execute', 'verify', 'finish'] as const;
export type StepName = (typeof STEPS)[number];

export interface StepEntry {
  step: StepName;
  /** interrupted: a crash left it unfinished and it was not safe to run again. */
  status: 'running' | 'done' | 'failed' | 'interrupted';
  attempt: number;
  started_at: string;
  finished_at?: string;
  duration_ms?: number;
  detail?: Record<string, unknown>;
}

export type { EventPatch };

/**
 * A worker's hold on one rollback. Every write is fenced on the claim token, so a worker that was presumed dead
 * (and whose job was re-delivered) can never overwrite the newer worker's progress.
 */
export class Claim {
  /** Changes held back by a non-persisting begin/end, written with the next save. */
  private pending: EventPatch = {};
  /** A snapshot taken by a step that is safe to repeat, stored with the next save (execute's durable 'running'). */
  private pendingSnapshot: NewSnapshot | undefined;

  constructor(
    private readonly db: Db,
    readonly event: RollbackEventRow,
    readonly fence: number,
    readonly steps: StepEntry[],
    /** The pipeline's injected clock: ledger times compare with everything else the pipeline times. */
    private readonly clock: () => Date,
  ) {}

  get eventId(): string {
    return this.event.eventId;
  }

  entry(step: StepName): StepEntry | undefined {
    return this.steps.find((s) => s.step === step);
  }

  /** Writes a patch (and the ledger) only while this claim is the newest and the rollback is not final. */
  async save(patch: EventPatch = {}, q: Queryable = this.db): Promise<void> {
    const all = { ...this.pending, ...patch, rollbackSteps: this.steps, heartbeatAt: this.clock(), updatedAt: this.clock() };
    const written = this.pendingSnapshot
      ? await updateClaimedEventWithSnapshot(q, this.eventId, this.fence, all, this.pendingSnapshot)
      : await updateClaimedEvent(q, this.eventId, this.fence, all);
    if (!written) throw new AppError('LOST_CLAIM', `rollback ${this.eventId} was claimed by another worker or finished`);
    this.pending = {};
    this.pendingSnapshot = undefined;
  }

  /** Stores `snapshot` with the next save, fenced like it: a worker that lost its claim stores nothing. */
  stageSnapshot(snapshot: NewSnapshot): void {
    this.pendingSnapshot = snapshot;
  }

  /**
   * Opens a step. `persist: false` keeps it in memory until the next save: right for steps that are safe to run
   * again (validate, snapshot), never for execute, whose 'running' entry must be durable before the executor starts.
   */
  async begin(step: StepName, patch: EventPatch = {}, options: { persist: boolean; detail?: Record<string, unknown> } = { persist: true }): Promise<StepEntry> {
    const entry: StepEntry = { step, status: 'running', attempt: this.fence, started_at: this.clock().toISOString(), ...(options.detail ? { detail: options.detail } : {}) };
    const i = this.steps.findIndex((s) => s.step === step);
    if (i >= 0) this.steps[i] = entry;
    else this.steps.push(entry);
    if (options.persist) await this.save(patch);
    else Object.assign(this.pending, patch);
    return entry;
  }

  /** Closes a step in memory; the caller saves it (alone, or inside the transaction that finishes the rollback). */
  close(step: StepName, status: StepEntry['status'], detail?: Record<string, unknown>): void {
    const entry = this.entry(step);
    if (!entry) return;
    const now = this.clock();
    entry.status = status;
    entry.finished_at = now.toISOString();
    entry.duration_ms = now.getTime() - Date.parse(entry.started_at);
    if (detail) entry.detail = { ...entry.detail, ...detail };
  }

  async end(step: StepName, status: StepEntry['status'], detail?: Record<string, unknown>, patch: EventPatch = {}, options: { persist: boolean } = { persist: true }): Promise<void> {
    this.close(step, status, detail);
    if (options.persist) await this.save(patch);
    else Object.assign(this.pending, patch);
  }
}

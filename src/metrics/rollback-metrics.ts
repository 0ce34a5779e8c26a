import { Counter, Histogram, type Registry } from 'prom-client';
import { triggerType } from '../db/schema/ops.ts';
import type { Notice } from '../notify/notifier.ts';
import { STEPS, type StepEntry } from '../pipeline/ledger.ts';

/** What a final notice counts as: the `outcome` label of backstop_rollbacks_total. */
const OUTCOMES: Partial<Record<Notice['kind'], string>> = {
  succeeded: 'succeeded',
  failed: 'failed',
  constitutional_violation: 'rejected',
  rejected: 'rejected',
  expired: 'expired',
  cancelled: 'cancelled',
};

// The step statuses a finished rollback's ledger can hold: a crash leaves execute 'interrupted' when running it again
// was not safe. 'running' never reaches a final notice.
const FINAL_STEP_STATUSES: ReadonlyArray<StepEntry['status']> = ['done', 'failed'];

type StepTiming = Pick<StepEntry, 'step' | 'status' | 'duration_ms'>;

const isStepTiming = (v: unknown): v is StepTiming =>
  typeof v === 'object' && v !== null && typeof (v as StepTiming).step === 'string' && typeof (v as StepTiming).status === 'string';

/**
 * backstop_rollbacks_total and backstop_rollback_step_duration_seconds, every known series present from the first
 * scrape (increase() over a series that appears at 1 sees no increase, so the first failed rollback would never page).
 */
export function createRollbackMetrics(registry: Registry): { observe(notice: Notice): void } {
  const rollbacks = new Counter({
    name: 'backstop_rollbacks_total',
    help: 'Rollbacks that reached a final state, by trigger and outcome',
    labelNames: ['trigger', 'outcome'],
    registers: [registry],
  });
  for (const trigger of triggerType.enumValues) for (const outcome of new Set(Object.values(OUTCOMES))) rollbacks.inc({ trigger, outcome }, 0);

  const steps = new Histogram({
    name: 'backstop_rollback_step_duration_seconds',
    help: 'Duration of rollback pipeline steps, failed ones included, by step and how it ended',
    labelNames: ['step', 'status'],
    buckets: [0.005, 0.025, 0.1, 0.5, 1, 5, 15, 60, 300, 900],
    registers: [registry],
  });
  for (const step of STEPS) for (const status of FINAL_STEP_STATUSES) steps.zero({ step, status });
  steps.zero({ step: 'execute', status: 'interrupted' });

  return {
    observe(notice) {
      const outcome = OUTCOMES[notice.kind];
      if (!outcome) return;
      rollbacks.inc({ trigger: String(notice.details?.trigger_type ?? 'unknown'), outcome });
      // The pipeline's final notice carries its ledger: each step is timed once, when the rollback ends, whether it
      // finished, failed, or was resumed by another worker after a crash.
      const ledger = Array.isArray(notice.details?.steps) ? notice.details.steps.filter(isStepTiming) : [];
      for (const entry of ledger) {
        if (typeof entry.duration_ms === 'number') steps.observe({ step: entry.step, status: entry.status }, entry.duration_ms / 1000);
      }
    },
  };
}

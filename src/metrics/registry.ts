import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Queue } from 'bullmq';
import type { DecisionNotice, Notice, Notifier } from '../notify/notifier.ts';

export interface Metrics {
  registry: Registry;
  notifier: Notifier;
}

const OUTCOMES: Partial<Record<Notice['kind'], string>> = {
  succeeded: 'succeeded',
  failed: 'failed',
  constitutional_violation: 'rejected',
  rejected: 'rejected',
  expired: 'expired',
  cancelled: 'cancelled',
};

const DECISION_OUTCOMES: Record<DecisionNotice['action'], Array<DecisionNotice['outcome']>> = {
  observe: ['recorded'],
  warn: ['warned'],
  propose: ['admitted', 'held', 'rejected'],
  auto_with_veto: ['admitted', 'raised', 'held', 'rejected'],
  auto: ['admitted', 'raised', 'held', 'rejected'],
};

// Per process: each role exposes what it saw. Outcomes and step durations are observed through the Notifier
// interface, so the pipeline carries no metrics code of its own.
export function createMetrics(queue: Queue | null): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'backstop_process_' });
  const rollbacks = new Counter({ name: 'backstop_rollbacks_total', help: 'Rollbacks that reached a final state, by trigger and outcome', labelNames: ['trigger', 'outcome'], registers: [registry] });
  const steps = new Histogram({
    name: 'backstop_rollback_step_duration_seconds',
    help: 'Duration of rollback pipeline steps',
    labelNames: ['step'],
    buckets: [0.005, 0.025, 0.1, 0.5, 1, 5, 15, 60, 300, 900],
    registers: [registry],
  });
  const decisions = new Counter({
    name: 'backstop_monitor_decisions_total',
    help: 'Health decisions the monitor took, by action and what became of them',
    labelNames: ['action', 'outcome'],
    registers: [registry],
  });
  // A labelled counter has no series until first use, and increase() misses the first event: start the known ones at 0.
  for (const [action, outcomes] of Object.entries(DECISION_OUTCOMES)) for (const outcome of outcomes) decisions.inc({ action, outcome }, 0);
  if (queue) {
    new Gauge({
      name: 'backstop_queue_depth',
      help: 'Rollback jobs by queue state',
      labelNames: ['state'],
      registers: [registry],
      async collect() {
        try {
          const counts = await queue.getJobCounts('waiting', 'active', 'delayed', 'failed');
          for (const [state, n] of Object.entries(counts)) this.set({ state }, n);
        } catch {
          // Redis down: the gauge keeps its last values; /health reports the outage.
        }
      },
    });
  }
  return {
    registry,
    notifier: {
      async notify(notice) {
        const outcome = OUTCOMES[notice.kind];
        if (outcome) rollbacks.inc({ trigger: String(notice.details?.trigger_type ?? 'unknown'), outcome });
        const d = notice.details as { step?: string; duration_ms?: number } | undefined;
        if (notice.kind === 'step' && d?.step && typeof d.duration_ms === 'number') steps.observe({ step: d.step }, d.duration_ms / 1000);
      },
      async decided(decision) {
        decisions.inc({ action: decision.action, outcome: decision.outcome });
      },
    },
  };
}

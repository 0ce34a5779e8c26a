import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { Queue } from 'bullmq';
import type { DecisionNotice, Notifier } from '../notify/notifier.ts';
import { createRollbackMetrics } from './rollback-metrics.ts';

export interface Metrics {
  registry: Registry;
  notifier: Notifier;
}

const DECISION_OUTCOMES: Record<DecisionNotice['action'], Array<DecisionNotice['outcome']>> = {
  observe: ['recorded'],
  warn: ['warned'],
  propose: ['admitted', 'held', 'rejected'],
  auto_with_veto: ['admitted', 'raised', 'held', 'rejected'],
  auto: ['admitted', 'raised', 'held', 'rejected'],
};

// prom-client's gauges that break the naming rules (a gauge must not end in _total); each is the sum over the labelled
// gauge of the same name without the suffix, so sum(backstop_nodejs_active_handles) says the same.
const MISNAMED_DEFAULTS = ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total'];

// One registry per process, whichever roles it runs: `start` serves one /metrics with every metric once. Outcomes and
// step durations are observed through the Notifier interface, so the pipeline carries no metrics code of its own.
export function createMetrics(queue: (() => Promise<Queue>) | null): Metrics {
  const registry = new Registry();
  const prefix = 'backstop_';
  collectDefaultMetrics({ register: registry, prefix });
  for (const name of MISNAMED_DEFAULTS) registry.removeSingleMetric(`${prefix}${name}`);
  const rollbacks = createRollbackMetrics(registry);
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
          const counts = await (await queue()).getJobCounts('waiting', 'active', 'delayed', 'failed');
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
      notify: async (notice) => rollbacks.observe(notice),
      async decided(decision) {
        decisions.inc({ action: decision.action, outcome: decision.outcome });
      },
    },
  };
}

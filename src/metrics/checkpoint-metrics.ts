import { Counter, Gauge, type Registry } from 'prom-client';

export const CHECKPOINT_SINKS = ['file', 'http', 'discord'] as const;

export interface CheckpointMetrics {
  published(rows: number, at: Date): void;
  failed(sink: string): void;
}

/**
 * What an alert on the audit checkpoints needs: when the newest one was signed (`time() - …_timestamp_seconds` is its
 * age) and how many rows it covers, and publications that failed, by sink, counted from 0 so increase() sees the first.
 */
export function createCheckpointMetrics(registry: Registry): CheckpointMetrics {
  const rows = new Gauge({ name: 'backstop_audit_checkpoint_rows', help: 'Audit rows covered by the newest signed checkpoint', registers: [registry] });
  const stamp = new Gauge({ name: 'backstop_audit_checkpoint_timestamp_seconds', help: 'When the newest signed checkpoint was taken (Unix time)', registers: [registry] });
  const failures = new Counter({ name: 'backstop_audit_checkpoint_failures_total', help: 'Checkpoint publications that failed, by sink', labelNames: ['sink'], registers: [registry] });
  for (const sink of CHECKPOINT_SINKS) failures.inc({ sink }, 0);
  return {
    published(n, at) {
      rows.set(n);
      stamp.set(at.getTime() / 1000);
    },
    failed: (sink) => failures.inc({ sink }),
  };
}

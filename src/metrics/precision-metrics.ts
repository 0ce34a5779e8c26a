import { Counter, Gauge, type Registry } from 'prom-client';
import type { PrecisionRow } from '../db/queries/false-alarms.ts';
import { precisionOf } from '../monitor/rule-precision.ts';

// One read serves both metrics of a scrape (prom-client collects them one after the other).
const READ_REUSE_MS = 1_000;

/**
 * backstop_rule_precision and backstop_false_alarms_total, read from the database at each scrape: labels come from
 * the gateway, the API and the CLI alike, and only the database has them all. Every worker reports the same numbers,
 * so aggregate them with max, not sum. A rule's series appear with its first decision, the counter at 0, so
 * increase() sees its first false alarm.
 */
export function createPrecisionMetrics(registry: Registry, read: () => Promise<PrecisionRow[]>): void {
  let last: { at: number; rows: Promise<PrecisionRow[]> } | undefined;
  const rows = () => {
    const now = Date.now();
    if (!last || now - last.at > READ_REUSE_MS) last = { at: now, rows: read() };
    return last.rows;
  };
  const labelsOf = (r: PrecisionRow) => ({ service: r.service, environment: r.environment, rule: r.rule });
  // Each metric is rebuilt from the rows at each scrape.
  const refill = async (metric: Gauge | Counter, fill: (r: PrecisionRow) => void) => {
    try {
      const all = await rows();
      metric.reset();
      for (const r of all) fill(r);
    } catch {
      // PostgreSQL down: the metric keeps its last values; /health reports the outage.
    }
  };

  new Gauge({
    name: 'backstop_rule_precision',
    help: "1 - false alarms / decisions over each rule's newest decisions (monitoring.false_alarms.over_last), by service, environment and rule",
    labelNames: ['service', 'environment', 'rule'],
    registers: [registry],
    async collect() {
      await refill(this, (r) => {
        const precision = precisionOf(r);
        if (precision !== null) this.set(labelsOf(r), precision);
      });
    },
  });
  new Counter({
    name: 'backstop_false_alarms_total',
    help: 'Decisions people marked as false alarms, by service, environment and a rule that fired in them',
    labelNames: ['service', 'environment', 'rule'],
    registers: [registry],
    async collect() {
      await refill(this, (r) => this.inc(labelsOf(r), r.labelled));
    },
  });
}

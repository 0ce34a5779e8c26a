import { fillTemplate, promqlStringContent } from './fill-template.ts';
import { createPrometheusApi, type Outcome } from './prometheus-api.ts';
import type { HealthSource, MetricReading, SourceTarget } from './types.ts';

export interface PrometheusSourceConfig {
  url: string;
  timeoutMs: number;
  /** metric → PromQL instant query; {service}, {environment}, {version}, {deployment_id} are substituted, escaped. */
  queries: Record<string, string>;
}

export interface PrometheusSourceDeps {
  fetch: typeof fetch;
  clock: () => Date;
}

/** Reads each metric with one PromQL instant query (GET /api/v1/query). Failures become null readings, never exceptions. */
export function createPrometheusSource(cfg: PrometheusSourceConfig, deps: PrometheusSourceDeps): HealthSource {
  const api = createPrometheusApi(cfg, deps);
  return {
    kind: 'prometheus',
    async read(target: SourceTarget, signal?: AbortSignal): Promise<MetricReading[]> {
      return Promise.all(
        Object.entries(cfg.queries).map(async ([metric, template]): Promise<MetricReading> => {
          const promql = fillTemplate(template, target, promqlStringContent);
          let outcome: Outcome;
          try {
            outcome = await api.instant(promql, signal ? { signal } : {});
          } catch (err) {
            // Belt and braces: a bug in interpreting one answer must not lose the other metrics of the tick.
            outcome = { value: null, detail: `could not read prometheus answer: ${(err as Error).message}` };
          }
          // A null reading says why; a number says what was asked (and how several series became one number).
          const detail = outcome.value === null ? outcome.detail : outcome.detail ? `${outcome.detail}: ${promql}` : promql;
          return { metric, value: outcome.value, observedAt: deps.clock(), source: api.source, detail };
        }),
      );
    },
  };
}

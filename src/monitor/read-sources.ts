import type { ResolvedPolicy } from '../config/load.ts';
import { createHttpProbeSource } from '../health/sources/http-probe.ts';
import { createPrometheusSource } from '../health/sources/prometheus.ts';
import type { HealthSource, MetricReading, SourceTarget } from '../health/sources/types.ts';

/** Builds each service's sources once, and reads all of them for a deployment; sources never throw. */
export function createSourceReader(deps: { fetch: typeof fetch; clock: () => Date }) {
  const cache = new Map<string, HealthSource[]>();
  const sourcesOf = (policy: ResolvedPolicy): HealthSource[] => {
    const key = `${policy.service}/${policy.environment}`;
    let sources = cache.get(key);
    if (!sources) {
      sources = policy.sources.map((s) =>
        s.kind === 'prometheus'
          ? createPrometheusSource({ url: s.url, timeoutMs: s.timeout, queries: s.queries }, deps)
          : createHttpProbeSource({ url: s.url, timeoutMs: s.timeout, values: s.values }, deps),
      );
      cache.set(key, sources);
    }
    return sources;
  };
  return async (policy: ResolvedPolicy, target: SourceTarget): Promise<MetricReading[]> =>
    (await Promise.all(sourcesOf(policy).map((s) => s.read(target)))).flat();
}

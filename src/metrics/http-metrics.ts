import { Histogram, type Registry } from 'prom-client';

const NAME = 'backstop_http_request_duration_seconds';

/**
 * The request-duration histogram of a process's registry. Get-or-create: every HTTP app of the process (the API, the
 * ops endpoint) records into the one histogram, and building an app twice on one registry does not clash.
 */
export function httpRequestDuration(registry: Registry): Histogram<'method' | 'route' | 'status'> {
  const existing = registry.getSingleMetric(NAME);
  if (existing) return existing as Histogram<'method' | 'route' | 'status'>;
  return new Histogram({
    name: NAME,
    help: 'HTTP requests by method, route pattern (not the raw path, which would be unbounded) and status',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
}

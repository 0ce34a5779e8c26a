import { fillTemplate, promqlStringContent } from './fill-template.ts';
import { parseNumber } from './parse-number.ts';
import { failureReason, requestSignal, splitCredentials } from './safe-url.ts';
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

type Outcome = { value: number; detail: string } | { value: null; detail: string };

/** Reads each metric with one PromQL instant query (GET /api/v1/query). Failures become null readings, never exceptions. */
export function createPrometheusSource(cfg: PrometheusSourceConfig, deps: PrometheusSourceDeps): HealthSource {
  let parsed: ReturnType<typeof splitCredentials> | null = null;
  try {
    parsed = splitCredentials(cfg.url);
  } catch {
    // Config validation rejects bad URLs first; should one slip through, its readings say so rather than the constructor throwing.
  }
  const base = parsed?.url;
  // Keep a path prefix (Prometheus behind a proxy at /prometheus) and append the API path to it.
  const endpoint = base ? new URL(`${base.pathname.replace(/\/+$/, '')}/api/v1/query`, base) : null;
  const source = base ? `prometheus ${base.origin}${base.pathname.replace(/\/+$/, '')}` : 'prometheus';
  const headers: Record<string, string> = { accept: 'application/json', ...(parsed?.authorization ? { authorization: parsed.authorization } : {}) };

  async function query(promql: string, signal?: AbortSignal): Promise<Outcome> {
    if (!endpoint) return { value: null, detail: 'prometheus url is not a valid URL' };
    const req = new URL(endpoint);
    req.searchParams.set('query', promql);
    // Let Prometheus give up too, so a slow query does not keep running after we have stopped waiting.
    req.searchParams.set('timeout', `${cfg.timeoutMs}ms`);
    const { signal: combined, timeout } = requestSignal(cfg.timeoutMs, signal);
    let status: number;
    let text: string;
    try {
      const res = await deps.fetch(req, { headers, signal: combined });
      status = res.status;
      text = await res.text();
    } catch (err) {
      return { value: null, detail: failureReason(err, 'prometheus', cfg.timeoutMs, timeout, signal) };
    }
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      return { value: null, detail: status === 200 ? 'prometheus answered with something that is not JSON' : `prometheus answered HTTP ${status}` };
    }
    return interpret(status, body);
  }

  return {
    kind: 'prometheus',
    async read(target: SourceTarget, signal?: AbortSignal): Promise<MetricReading[]> {
      return Promise.all(
        Object.entries(cfg.queries).map(async ([metric, template]): Promise<MetricReading> => {
          const promql = fillTemplate(template, target, promqlStringContent);
          let outcome: Outcome;
          try {
            outcome = await query(promql, signal);
          } catch (err) {
            // Belt and braces: a bug in interpreting one answer must not lose the other metrics of the tick.
            outcome = { value: null, detail: `could not read prometheus answer: ${(err as Error).message}` };
          }
          // A null reading says why; a number says what was asked (and how several series became one number).
          const detail = outcome.value === null ? outcome.detail : outcome.detail ? `${outcome.detail}: ${promql}` : promql;
          return { metric, value: outcome.value, observedAt: deps.clock(), source, detail };
        }),
      );
    },
  };
}

interface ApiBody {
  status?: unknown;
  error?: unknown;
  errorType?: unknown;
  data?: { resultType?: unknown; result?: unknown };
}

function interpret(status: number, raw: unknown): Outcome {
  const body = (raw ?? {}) as ApiBody;
  if (body.status === 'error' || status !== 200) {
    // Prometheus answers bad PromQL with 400 and a JSON error; say what it said.
    const message = typeof body.error === 'string' ? body.error : null;
    const type = typeof body.errorType === 'string' ? `${body.errorType}: ` : '';
    return { value: null, detail: message ? `prometheus error (HTTP ${status}): ${type}${message}` : `prometheus answered HTTP ${status}` };
  }
  const data = body.data;
  if (body.status !== 'success' || typeof data !== 'object' || data === null) return { value: null, detail: 'prometheus answered without data' };
  if (data.resultType === 'scalar') return sampleValue(data.result, 'scalar');
  if (data.resultType !== 'vector') return { value: null, detail: `expected an instant vector or scalar, got ${String(data.resultType)}` };
  const series = Array.isArray(data.result) ? (data.result as Array<{ value?: unknown }>) : [];
  if (series.length === 0) return { value: null, detail: 'empty result' };
  if (series.length === 1) return sampleValue(series[0]?.value, 'vector');
  // Several series (a query without sum or max by): the largest counts, since the thresholds here mostly breach upward,
  // and the detail says so, so that whoever wrote the query can aggregate it themselves.
  const outcomes = series.map((s) => sampleValue(s.value, 'vector'));
  const numbers = outcomes.flatMap((o) => (o.value === null ? [] : [o.value]));
  if (numbers.length === 0) return { value: null, detail: `${series.length} series, none numeric (${outcomes[0]!.detail})` };
  const skipped = series.length - numbers.length;
  return { value: Math.max(...numbers), detail: `max of ${series.length} series${skipped ? ` (${skipped} not numeric, ignored)` : ''}` };
}

/** A sample is [unix seconds, "value"]; Prometheus sends the value as a string so that NaN and ±Inf survive JSON. */
function sampleValue(sample: unknown, kind: 'scalar' | 'vector'): Outcome {
  if (!Array.isArray(sample) || sample.length !== 2) return { value: null, detail: `malformed ${kind} sample` };
  const parsed = parseNumber(sample[1]);
  return parsed.ok ? { value: parsed.value, detail: '' } : { value: null, detail: parsed.reason };
}

import { parseNumber } from './parse-number.ts';
import { failureReason, requestSignal, splitCredentials } from './safe-url.ts';

export type Outcome = { value: number; detail: string } | { value: null; detail: string };
export type RangeOutcome = { values: number[]; detail: string } | { values: null; detail: string };

export interface PrometheusApiConfig {
  url: string;
  timeoutMs: number;
}

/** Prometheus's HTTP API as backstop asks it: an instant query (now or at a time), or a range. Failures are values. */
export interface PrometheusApi {
  /** "prometheus http://host:9090", without credentials: what a reading names as its source. */
  readonly source: string;
  instant(promql: string, options?: { at?: Date; signal?: AbortSignal }): Promise<Outcome>;
  range(promql: string, options: { start: Date; end: Date; stepSeconds: number; signal?: AbortSignal }): Promise<RangeOutcome>;
}

interface ApiBody {
  status?: unknown;
  error?: unknown;
  errorType?: unknown;
  data?: { resultType?: unknown; result?: unknown };
}

export function createPrometheusApi(cfg: PrometheusApiConfig, deps: { fetch: typeof fetch }): PrometheusApi {
  let parsed: ReturnType<typeof splitCredentials> | null = null;
  try {
    parsed = splitCredentials(cfg.url);
  } catch {
    // Config validation rejects bad URLs first; should one slip through, its readings say so rather than the constructor throwing.
  }
  const base = parsed?.url;
  // Keep a path prefix (Prometheus behind a proxy at /prometheus) and append the API path to it.
  const endpoint = (path: string) => (base ? new URL(`${base.pathname.replace(/\/+$/, '')}/api/v1/${path}`, base) : null);
  const source = base ? `prometheus ${base.origin}${base.pathname.replace(/\/+$/, '')}` : 'prometheus';
  const headers: Record<string, string> = { accept: 'application/json', ...(parsed?.authorization ? { authorization: parsed.authorization } : {}) };

  async function get(path: string, params: Record<string, string>, signal?: AbortSignal): Promise<{ ok: true; status: number; body: ApiBody } | { ok: false; detail: string }> {
    const url = endpoint(path);
    if (!url) return { ok: false, detail: 'prometheus url is not a valid URL' };
    for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
    // Let Prometheus give up too, so a slow query does not keep running after we have stopped waiting.
    url.searchParams.set('timeout', `${cfg.timeoutMs}ms`);
    const { signal: combined, timeout } = requestSignal(cfg.timeoutMs, signal);
    let status: number;
    let text: string;
    try {
      const res = await deps.fetch(url, { headers, signal: combined });
      status = res.status;
      text = await res.text();
    } catch (err) {
      return { ok: false, detail: failureReason(err, 'prometheus', cfg.timeoutMs, timeout, signal) };
    }
    try {
      return { ok: true, status, body: (JSON.parse(text) ?? {}) as ApiBody };
    } catch {
      return { ok: false, detail: status === 200 ? 'prometheus answered with something that is not JSON' : `prometheus answered HTTP ${status}` };
    }
  }

  return {
    source,
    async instant(promql, options = {}) {
      const answer = await get('query', { query: promql, ...(options.at ? { time: seconds(options.at) } : {}) }, options.signal);
      return answer.ok ? interpretInstant(answer.status, answer.body) : { value: null, detail: answer.detail };
    },
    async range(promql, options) {
      const params = { query: promql, start: seconds(options.start), end: seconds(options.end), step: `${options.stepSeconds}s` };
      const answer = await get('query_range', params, options.signal);
      return answer.ok ? interpretRange(answer.status, answer.body) : { values: null, detail: answer.detail };
    },
  };
}

const seconds = (d: Date) => (d.getTime() / 1000).toFixed(3);

function failed(status: number, body: ApiBody): string | null {
  if (body.status === 'error' || status !== 200) {
    // Prometheus answers bad PromQL with 400 and a JSON error; say what it said.
    const message = typeof body.error === 'string' ? body.error : null;
    const type = typeof body.errorType === 'string' ? `${body.errorType}: ` : '';
    return message ? `prometheus error (HTTP ${status}): ${type}${message}` : `prometheus answered HTTP ${status}`;
  }
  if (body.status !== 'success' || typeof body.data !== 'object' || body.data === null) return 'prometheus answered without data';
  return null;
}

function interpretInstant(status: number, body: ApiBody): Outcome {
  const failure = failed(status, body);
  if (failure) return { value: null, detail: failure };
  const data = body.data!;
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

// A range answers a matrix: every numeric value of every series is one sample. NaN and ±Inf (an empty histogram, a
// division by no requests) say nothing about health, so they are left out and counted in the detail.
function interpretRange(status: number, body: ApiBody): RangeOutcome {
  const failure = failed(status, body);
  if (failure) return { values: null, detail: failure };
  const data = body.data!;
  if (data.resultType !== 'matrix') return { values: null, detail: `expected a range vector, got ${String(data.resultType)}` };
  const series = Array.isArray(data.result) ? (data.result as Array<{ values?: unknown }>) : [];
  const values: number[] = [];
  let skipped = 0;
  for (const s of series) {
    for (const sample of Array.isArray(s.values) ? s.values : []) {
      const v = sampleValue(sample, 'vector');
      if (v.value === null) skipped++;
      else values.push(v.value);
    }
  }
  const notes = [series.length > 1 ? `${series.length} series` : '', skipped ? `${skipped} samples not numeric, left out` : ''].filter(Boolean).join('; ');
  return { values, detail: notes };
}

/** A sample is [unix seconds, "value"]; Prometheus sends the value as a string so that NaN and ±Inf survive JSON. */
function sampleValue(sample: unknown, kind: 'scalar' | 'vector'): Outcome {
  if (!Array.isArray(sample) || sample.length !== 2) return { value: null, detail: `malformed ${kind} sample` };
  const parsed = parseNumber(sample[1]);
  return parsed.ok ? { value: parsed.value, detail: '' } : { value: null, detail: parsed.reason };
}

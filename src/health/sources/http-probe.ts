import { fillTemplate } from './fill-template.ts';
import { parseNumber } from './parse-number.ts';
import { failureReason, requestSignal, splitCredentials } from './safe-url.ts';
import type { HealthSource, MetricReading, SourceTarget } from './types.ts';

export interface HttpProbeSourceConfig {
  /** {service}, {environment}, {version} and {deployment_id} are substituted, URL-encoded. */
  url: string;
  timeoutMs: number;
  /** metric → dotted path into the JSON body, like "checks.db.connections_pct" or "p95_ms". */
  values: Record<string, string>;
}

export interface HttpProbeSourceDeps {
  fetch: typeof fetch;
  clock: () => Date;
}

/** The reading every probe returns: 1 when the endpoint answered 2xx JSON, 0 otherwise (the runbook's "API unresponsive"). */
export const PROBE_UP = 'probe_up';

type Answer = { ok: true; body: unknown; status: number } | { ok: false; reason: string };

/** GETs a JSON health endpoint and reads numbers out of it by path. Failures become readings, never exceptions. */
export function createHttpProbeSource(cfg: HttpProbeSourceConfig, deps: HttpProbeSourceDeps): HealthSource {
  async function fetchJson(target: SourceTarget, signal?: AbortSignal): Promise<Answer & { source: string }> {
    let source = 'http_probe';
    try {
      const { url, authorization } = splitCredentials(fillTemplate(cfg.url, target, encodeURIComponent));
      source = `http_probe ${url.origin}${url.pathname}`;
      const { signal: combined, timeout } = requestSignal(cfg.timeoutMs, signal);
      let res: Response;
      let text: string;
      try {
        res = await deps.fetch(url, { headers: { accept: 'application/json', ...(authorization ? { authorization } : {}) }, signal: combined });
        // Reading the body is part of answering: a server that sends headers and then stalls is just as unresponsive.
        text = await res.text();
      } catch (err) {
        return { ok: false, reason: failureReason(err, 'endpoint', cfg.timeoutMs, timeout, signal), source };
      }
      if (!res.ok) return { ok: false, reason: `endpoint answered HTTP ${res.status}`, source };
      try {
        return { ok: true, body: JSON.parse(text) as unknown, status: res.status, source };
      } catch {
        return { ok: false, reason: `endpoint answered ${res.status} with something that is not JSON`, source };
      }
    } catch (err) {
      // Only a URL that templating made invalid gets here.
      return { ok: false, reason: `cannot probe: ${(err as Error).message}`, source };
    }
  }

  return {
    kind: 'http_probe',
    async read(target: SourceTarget, signal?: AbortSignal): Promise<MetricReading[]> {
      const answer = await fetchJson(target, signal);
      const observedAt = deps.clock();
      const { source } = answer;
      const up: MetricReading = answer.ok
        ? { metric: PROBE_UP, value: 1, observedAt, source, detail: `answered ${answer.status}` }
        : { metric: PROBE_UP, value: 0, observedAt, source, detail: answer.reason };
      const values = Object.entries(cfg.values).map(([metric, path]): MetricReading => {
        if (!answer.ok) return { metric, value: null, observedAt, source, detail: answer.reason };
        const found = lookup(answer.body, path);
        if (!found.ok) return { metric, value: null, observedAt, source, detail: `no value at ${path}` };
        const parsed = parseNumber(found.value);
        return parsed.ok ? { metric, value: parsed.value, observedAt, source, detail: path } : { metric, value: null, observedAt, source, detail: `${path}: ${parsed.reason}` };
      });
      return [up, ...values];
    },
  };
}

/** Follows a dotted path through objects and arrays ("items.0.p95"). Own properties only: "__proto__" or "constructor" find nothing. */
export function lookup(body: unknown, path: string): { ok: true; value: unknown } | { ok: false } {
  let node: unknown = body;
  for (const key of path.split('.')) {
    if (typeof node !== 'object' || node === null || !Object.hasOwn(node, key)) return { ok: false };
    node = (node as Record<string, unknown>)[key];
  }
  return { ok: true, value: node };
}

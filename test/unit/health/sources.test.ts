import { describe, expect, it } from 'vitest';
import { fillTemplate, promqlStringContent } from '../../../src/health/sources/fill-template.ts';
import { createHttpProbeSource, lookup } from '../../../src/health/sources/http-probe.ts';
import { parseNumber } from '../../../src/health/sources/parse-number.ts';
import { createPrometheusSource } from '../../../src/health/sources/prometheus.ts';
import { splitCredentials } from '../../../src/health/sources/safe-url.ts';
import type { SourceTarget } from '../../../src/health/sources/types.ts';

const TARGET: SourceTarget = { service: 'payments', environment: 'production', deploymentId: 'd-1', version: 'v2.5.3' };
const NOW = new Date('2026-11-22T12:00:00Z');

/** A fetch that records what it was asked and answers with the given JSON. */
function recordingFetch(answer: (url: URL) => { status?: number; body: unknown }) {
  const calls: Array<{ url: string; headers: Record<string, string> }> = [];
  const fetchFn = (async (input: string | URL | Request, init?: RequestInit) => {
    const url = new URL(input instanceof Request ? input.url : input);
    calls.push({ url: url.href, headers: { ...(init?.headers as Record<string, string>) } });
    const { status = 200, body } = answer(url);
    return new Response(typeof body === 'string' ? body : JSON.stringify(body), { status });
  }) as typeof fetch;
  return { fetchFn, calls };
}

describe('fillTemplate', () => {
  it('substitutes every placeholder, once, through the escape function', () => {
    expect(fillTemplate('{service}/{environment}/{version}/{deployment_id}/{other}', TARGET, (v) => `<${v}>`)).toBe('<payments>/<production>/<v2.5.3>/<d-1>/{other}');
    // A value that looks like a placeholder is not expanded again.
    expect(fillTemplate('{service}', { ...TARGET, service: '{version}' }, (v) => v)).toBe('{version}');
  });

  it('writes {window} as whole seconds, itself, never through the escape and never from a value', () => {
    expect(fillTemplate('increase(x[{window}])', { ...TARGET, windowMs: 184_400 }, (v) => `<${v}>`)).toBe('increase(x[184s])');
    // Outside a watch the default span; never a zero range, which PromQL refuses.
    expect(fillTemplate('[{window}]', TARGET, (v) => v)).toBe('[300s]');
    expect(fillTemplate('[{window}]', { ...TARGET, windowMs: 10 }, (v) => v)).toBe('[1s]');
    // A CI-written version that looks like the placeholder stays a label value.
    expect(fillTemplate('{version="{version}"}[{window}]', { ...TARGET, version: '{window}', windowMs: 60_000 }, promqlStringContent)).toBe('{version="{window}"}[60s]');
  });

  it.each([
    ['plain', 'payments', 'payments'],
    ['a double quote', 'pay"ments', 'pay\\"ments'],
    ['a backslash', 'a\\b', 'a\\\\b'],
    ['an escaped quote attempt', '\\"', '\\\\\\"'],
    ['newlines and other control characters', 'pay\r\nme\tnts\u0000', 'payments'],
    ['unicode', 'zahlungsdienst-ü', 'zahlungsdienst-ü'],
  ])('escapes %s for a PromQL string', (_name, input, expected) => {
    expect(promqlStringContent(input)).toBe(expected);
  });
});

describe('parseNumber', () => {
  it.each([
    [42, 42],
    ['0.05', 0.05],
    ['-3', -3],
    ['1e3', 1000],
    ['.5', 0.5],
  ])('reads %j', (input, expected) => expect(parseNumber(input)).toEqual({ ok: true, value: expected }));

  it.each([
    ['NaN', 'NaN'],
    ['+Inf', '+Inf'],
    ['-Inf', '-Inf'],
    [Number.NaN, 'NaN'],
    ['', 'not numeric'],
    [' 1', 'not numeric'],
    ['0x10', 'not numeric'],
    ['1e999', '+Inf'],
    [true, 'not numeric (boolean)'],
    [null, 'null'],
    [[1], 'not numeric (array)'],
  ])('refuses %j: %s', (input, reason) => expect(parseNumber(input)).toEqual({ ok: false, reason }));
});

describe('lookup', () => {
  const body = { p95_ms: 12, checks: { db: { connections_pct: 40 } }, items: [{ v: 1 }] };
  it('follows dotted paths through objects and arrays, own properties only', () => {
    expect(lookup(body, 'p95_ms')).toEqual({ ok: true, value: 12 });
    expect(lookup(body, 'checks.db.connections_pct')).toEqual({ ok: true, value: 40 });
    expect(lookup(body, 'items.0.v')).toEqual({ ok: true, value: 1 });
    expect(lookup(body, 'checks.cache')).toEqual({ ok: false });
    expect(lookup(body, 'p95_ms.x')).toEqual({ ok: false });
    expect(lookup(body, 'checks.constructor')).toEqual({ ok: false });
    expect(lookup(body, '__proto__')).toEqual({ ok: false });
  });
});

describe('splitCredentials', () => {
  it('moves user:pass@ into a Basic Authorization header', () => {
    const { url, authorization } = splitCredentials('https://reader:p%40ss@prom.example:9090/prometheus');
    expect(url.href).toBe('https://prom.example:9090/prometheus');
    expect(authorization).toBe(`Basic ${Buffer.from('reader:p@ss').toString('base64')}`);
    expect(splitCredentials('http://prom:9090').authorization).toBeUndefined();
  });
});

describe('prometheus source request', () => {
  it('asks /api/v1/query under the configured path, with credentials only in the header', async () => {
    const { fetchFn, calls } = recordingFetch(() => ({ body: { status: 'success', data: { resultType: 'vector', result: [{ metric: {}, value: [1, '3.5'] }] } } }));
    const source = createPrometheusSource(
      { url: 'https://reader:s3cret@prom.example/prometheus/', timeoutMs: 1500, queries: { error_rate_per_minute: 'sum(rate(errors{service="{service}"}[5m]))*60' } },
      { fetch: fetchFn, clock: () => NOW },
    );
    const readings = await source.read({ ...TARGET, service: 'pay"ments' });
    expect(readings).toEqual([
      { metric: 'error_rate_per_minute', value: 3.5, observedAt: NOW, source: 'prometheus https://prom.example/prometheus', detail: 'sum(rate(errors{service="pay\\"ments"}[5m]))*60' },
    ]);
    const url = new URL(calls[0]!.url);
    expect(url.origin + url.pathname).toBe('https://prom.example/prometheus/api/v1/query');
    expect(url.searchParams.get('query')).toBe('sum(rate(errors{service="pay\\"ments"}[5m]))*60');
    expect(url.searchParams.get('timeout')).toBe('1500ms');
    expect(calls[0]!.url).not.toContain('s3cret');
    expect(calls[0]!.headers.authorization).toBe(`Basic ${Buffer.from('reader:s3cret').toString('base64')}`);
  });

  it('turns odd answers into null readings with a reason', async () => {
    const answers: Record<string, { status?: number; body: unknown }> = {
      html: { status: 502, body: '<html>bad gateway</html>' },
      ok_html: { body: '<html></html>' },
      no_data: { body: { status: 'success' } },
      string: { body: { status: 'success', data: { resultType: 'string', result: [1, 'x'] } } },
      all_nan: { body: { status: 'success', data: { resultType: 'vector', result: [{ value: [1, 'NaN'] }, { value: [1, 'NaN'] }] } } },
      some_nan: { body: { status: 'success', data: { resultType: 'vector', result: [{ value: [1, 'NaN'] }, { value: [1, '2'] }, { value: [1, '1'] }] } } },
      timeout: { status: 503, body: { status: 'error', errorType: 'timeout', error: 'query timed out in expression evaluation' } },
    };
    const { fetchFn } = recordingFetch((url) => answers[url.searchParams.get('query')!]!);
    const queries = Object.fromEntries(Object.keys(answers).map((k) => [k, k]));
    const readings = await createPrometheusSource({ url: 'http://prom:9090', timeoutMs: 1000, queries }, { fetch: fetchFn, clock: () => NOW }).read(TARGET);
    expect(Object.fromEntries(readings.map((r) => [r.metric, [r.value, r.detail]]))).toEqual({
      html: [null, 'prometheus answered HTTP 502'],
      ok_html: [null, 'prometheus answered with something that is not JSON'],
      no_data: [null, 'prometheus answered without data'],
      string: [null, 'expected an instant vector or scalar, got string'],
      all_nan: [null, '2 series, none numeric (NaN)'],
      some_nan: [2, 'max of 3 series (1 not numeric, ignored): some_nan'],
      timeout: [null, 'prometheus error (HTTP 503): timeout: query timed out in expression evaluation'],
    });
  });
});

describe('http probe source request', () => {
  it('URL-encodes target values into the probe URL', async () => {
    const { fetchFn, calls } = recordingFetch(() => ({ body: { ok: 1 } }));
    const source = createHttpProbeSource({ url: 'http://svc/health?service={service}&v={version}', timeoutMs: 500, values: { ok: 'ok' } }, { fetch: fetchFn, clock: () => NOW });
    const readings = await source.read({ ...TARGET, service: 'a&b=c d/#' });
    expect(calls[0]!.url).toBe('http://svc/health?service=a%26b%3Dc%20d%2F%23&v=v2.5.3');
    expect(readings.map((r) => [r.metric, r.value])).toEqual([['probe_up', 1], ['ok', 1]]);
  });
});

describe('a source with an unusable URL', () => {
  it('reports it in every reading instead of throwing', async () => {
    const { fetchFn, calls } = recordingFetch(() => ({ body: {} }));
    const prom = createPrometheusSource({ url: 'not a url', timeoutMs: 100, queries: { a: 'up' } }, { fetch: fetchFn, clock: () => NOW });
    expect(await prom.read(TARGET)).toEqual([{ metric: 'a', value: null, observedAt: NOW, source: 'prometheus', detail: 'prometheus url is not a valid URL' }]);
    const probe = createHttpProbeSource({ url: 'http://[{service}]/health', timeoutMs: 100, values: { a: 'a' } }, { fetch: fetchFn, clock: () => NOW });
    const readings = await probe.read(TARGET);
    expect(readings.map((r) => [r.metric, r.value])).toEqual([['probe_up', 0], ['a', null]]);
    expect(readings[0]!.detail).toMatch(/^cannot probe: /);
    expect(calls).toHaveLength(0);
  });
});

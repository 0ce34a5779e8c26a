import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyAuditChain } from '../../src/audit/verify-audit.ts';
import type { Role } from '../../src/config/schema.ts';
import { ROUTES } from '../../src/http/routes/index.ts';
import { startBackstop, testPolicy, TOKENS, type Backstop } from '../support/harness.ts';

// Random and hostile input at every route that takes a body: random JSON, the right keys with wrong types, huge
// strings, unicode, SQL and markdown injection, invalid JSON. Every answer must be 2xx or a 4xx that says what is
// wrong; never a 5xx, never a stack trace; and the database must stay consistent (the audit chain verifies).

const HOSTILE = [
  "'; drop table ops.deployments; --",
  '" or 1=1 --',
  '**@everyone** <@&123456789012345678> `code` ||spoiler||',
  '\u0000\u0001\u001f',
  '🚀'.repeat(300),
  '\u202e\u200b\ufeff',
  '../../etc/passwd',
  '{{service}}',
  'NaN',
  '-1',
];

/** A piece of JSON text spliced into a body as is: what JSON.stringify cannot produce (exact big integers, depth past its stack). */
class RawJson {
  constructor(readonly text: string) {}
}

// The three classes that once reached PostgreSQL and came back as 500s.
// Lone surrogates survive JSON.parse, but have no UTF-8 form (text and jsonb refuse them); JSON.stringify writes them as \uXXXX escapes.
const LONE_SURROGATES = ['\ud800', '\udbff', '\udc00', '\udfff'];
const withLoneSurrogate = fc
  .tuple(fc.string({ maxLength: 20 }), fc.constantFrom(...LONE_SURROGATES), fc.string({ maxLength: 20 }))
  .map(([before, lone, after]) => before + lone + after);
// Integers just past the columns' int4 and int8 ranges and past exact doubles, written as the exact literals a client would send.
// int4 is the columns' common type, so its bound is drawn most.
const INT4_MAX = 2n ** 31n - 1n;
const INT8_MAX = 2n ** 63n - 1n;
const SAFE_MAX = BigInt(Number.MAX_SAFE_INTEGER);
const pastBounds = fc
  .tuple(
    fc.oneof({ weight: 4, arbitrary: fc.constant(INT4_MAX) }, fc.constantFrom(-INT4_MAX - 1n, INT8_MAX, -INT8_MAX - 1n, SAFE_MAX, -SAFE_MAX, 10n ** 30n)),
    fc.bigInt({ min: 1n, max: 3n }),
  )
  .map(([bound, past]) => new RawJson(String(bound < 0n ? bound - past : bound + past)));
// Valid JSON nested far past any real document, at random depths up to several thousand (arrays, objects, or both).
const deepJson = fc
  .tuple(fc.integer({ min: 65, max: 8_000 }), fc.constantFrom('array', 'object', 'mixed'))
  .map(([depth, shape]) => {
    const opens: string[] = [];
    for (let i = 0; i < depth; i++) opens.push(shape === 'array' || (shape === 'mixed' && i % 2 === 0) ? '[' : '{"a":');
    return new RawJson(opens.join('') + '0' + opens.map((o) => (o === '[' ? ']' : '}')).reverse().join(''));
  });
const hostileClass = fc.oneof(
  withLoneSurrogate,
  withLoneSurrogate.map((key) => ({ [key]: 'value' })),
  fc.tuple(fc.string({ maxLength: 5 }), withLoneSurrogate).map(([key, text]) => ({ [key]: [text] })),
  pastBounds,
  deepJson,
);

const value = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.constantFrom(...HOSTILE),
  fc.string({ minLength: 1001, maxLength: 3000 }),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.string({ maxLength: 5 }), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 5 }), fc.string({ maxLength: 5 }), { maxKeys: 3 }),
  fc.uuid(),
  fc.constantFrom('payments', 'production', 'staging', 'success', 'failed', 'approve', 'reject', 'reversible', 'automatic'),
  hostileClass,
);

/** JSON text for a payload that may hold RawJson pieces; each is swapped in for a placeholder string. */
function toJson(payload: unknown): string {
  const raws: string[] = [];
  const text = JSON.stringify(payload, (_key, v: unknown) => (v instanceof RawJson ? `\u0001raw${raws.push(v.text) - 1}\u0001` : v));
  return text.replace(/"\\u0001raw(\d+)\\u0001"/g, (_, i: string) => raws[Number(i)]!);
}

/** Every path to a value in a valid body (top-level fields, and each label of an alert), so a hostile value lands next to valid ones. */
function leafPaths(value: unknown, path: (string | number)[] = []): (string | number)[][] {
  if (value && typeof value === 'object') {
    const entries = Array.isArray(value) ? value.map((v, i) => [i, v] as const) : Object.entries(value);
    return [...(path.length ? [path] : []), ...entries.flatMap(([k, v]) => leafPaths(v, [...path, k]))];
  }
  return [path];
}

function setAt(body: unknown, path: (string | number)[], v: unknown): unknown {
  if (path.length === 0) return v;
  const [head, ...rest] = path;
  const copy = (Array.isArray(body) ? [...body] : { ...(body as object) }) as Record<string | number, unknown>;
  copy[head!] = setAt(copy[head!], rest, v);
  return copy;
}

/** A zod field that takes a number, optional or defaulted included. */
function isNumeric(schema: unknown): boolean {
  const def = (schema as { def?: { type?: string; innerType?: unknown } } | undefined)?.def;
  return def?.type === 'number' || ((def?.type === 'optional' || def?.type === 'default') && isNumeric(def.innerType));
}

/** Which hostile class a request carries, so a 5xx is reported by class. */
function classOf(raw: string): string {
  if (/\\u[dD][89a-fA-F][0-9a-fA-F]{2}/.test(raw) || /%ED%[AB]/i.test(raw)) return 'lone surrogate';
  if (/[[{]{65}|(\{"a":\[?){40}/.test(raw)) return 'deep nesting';
  if (/(?<![\d.eE"])-?\d{10,}(?![\d.eE"])/.test(raw)) return 'big integer';
  return 'other';
}

/** A body each route accepts; the fuzzer sets one of its fields to a hostile value, to reach past validation. */
const validBody = (path: string, deploymentId: string): Record<string, unknown> => {
  switch (path) {
    case '/api/deployments':
      return { service: 'payments', environment: 'staging', version: 'v2', git_commit: 'abc1234', git_branch: 'main', deployed_by: 'ci' };
    case '/api/deployments/{id}/complete':
      return { status: 'success', health_check_passed: true };
    case '/api/deployments/{id}/migrations':
      return { name: '0042_add_index', hash: 'h1', reversibility: 'reversible', rollback_script: 'drop index x' };
    case '/api/deployments/{id}/health':
      return { error_rate_per_minute: 0.5, recent_errors: 1 };
    case '/auto-rollback':
    case '/api/rollbacks':
      return { deployment_id: deploymentId, trigger_reason: 'fuzz' };
    case '/api/rollbacks/{event_id}/approvals':
      return { decision: 'approve', reason: 'fuzz' };
    case '/api/rollbacks/{event_id}/cancel':
      return { reason: 'fuzz' };
    case '/api/alerts/alertmanager':
      return {
        version: '4', receiver: 'r', status: 'firing', groupLabels: {}, commonLabels: {}, commonAnnotations: {}, externalURL: 'http://am', groupKey: 'k',
        alerts: [{ status: 'firing', labels: { alertname: 'A', service: 'payments', environment: 'staging' }, annotations: {}, startsAt: '2026-11-22T14:00:00Z', endsAt: '0001-01-01T00:00:00Z', fingerprint: 'f' }],
      };
    default:
      return { deployment_id: deploymentId };
  }
};

const ROLE_TOKEN: Record<Role, keyof typeof TOKENS> = { deployer: 'ci', approver: 'alice', override: 'bob', viewer: 'viewer', admin: 'bob' };

// encodeURIComponent throws on a lone surrogate; a careless client sends its three CESU-8 bytes instead.
const cesu8 = (unit: number) => [0xe0 | (unit >> 12), 0x80 | ((unit >> 6) & 0x3f), 0x80 | (unit & 0x3f)].map((byte) => `%${byte.toString(16).toUpperCase()}`).join('');
const encodeLoose = (text: string) => text.replace(/\p{Cs}|\P{Cs}+/gu, (part) => (/^\p{Cs}$/u.test(part) ? cesu8(part.charCodeAt(0)) : encodeURIComponent(part)));

/** A path or query value, already encoded: hostile text, the three classes, and history cursors holding any time at all. */
const urlValue = fc.oneof(
  fc.string({ maxLength: 40 }).map(encodeLoose),
  fc.constantFrom(...HOSTILE).map(encodeLoose),
  withLoneSurrogate.map(encodeLoose),
  pastBounds.map((n) => n.text),
  fc.constantFrom('%00', 'a%00b', '%ED%A0%80', 'x%ED%B0%80y', '%FF', '%', 'x'.repeat(300)),
  fc
    .tuple(fc.oneof(fc.date({ noInvalidDate: true }).map((d) => d.toISOString()), fc.string({ maxLength: 30 })), fc.oneof(fc.integer(), fc.double(), pastBounds.map((n) => Number(n.text))))
    .map((cursor) => Buffer.from(JSON.stringify(cursor)).toString('base64url')),
);

describe('HTTP fuzzing', () => {
  let b: Backstop;
  let deploymentId: string;
  const statuses = new Map<number, number>();
  const byClass = new Map<string, Map<number, number>>();
  const failures: { cls: string; request: string; answer: string }[] = [];
  let requests = 0;

  /** Every answer is 2xx or a 4xx that says what is wrong; a 5xx is kept, by hostile class, for the summary. */
  async function judge(request: string, res: Response): Promise<void> {
    requests++;
    statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
    const cls = classOf(request);
    const tally = byClass.get(cls) ?? byClass.set(cls, new Map()).get(cls)!;
    tally.set(res.status, (tally.get(res.status) ?? 0) + 1);
    const text = await res.text();
    if (res.status >= 500) {
      failures.push({ cls, request: request.slice(0, 200), answer: text.slice(0, 200) });
      return;
    }
    if (res.status >= 400) {
      // Either backstop's error shape, or the seed contract's refusal ({success:false, error:"…", validation}).
      const parsed = JSON.parse(text) as { success?: boolean; error?: string | { code?: string; message?: string } };
      const message = typeof parsed.error === 'string' ? parsed.error : parsed.error?.code && parsed.error.message;
      expect(message, text.slice(0, 300)).toBeTruthy();
      expect(String(message).length).toBeGreaterThan(5);
      expect(text).not.toMatch(/\n\s+at |TypeError|ReferenceError|node_modules/);
    }
  }

  beforeAll(async () => {
    b = await startBackstop({ policy: testPolicy({ executorArgv: ['true'] }), roles: { api: true, worker: false } });
    const rec = await b.api('POST', '/api/deployments', 'ci', { service: 'payments', environment: 'staging', version: 'v1', git_commit: 'abc1234' });
    deploymentId = rec.body.deployment_id;
  });
  afterAll(async () => b?.close());

  it('answers every hostile body with 2xx or a clear 4xx, never a 5xx, and stays consistent', async () => {
    const bodyRoutes = ROUTES.filter((r) => r.method === 'post' && r.body && r.auth !== 'public');
    for (const route of bodyRoutes) {
      const token = TOKENS[ROLE_TOKEN[(route.auth as Role[])[0]!]];
      const shape = (route.body as unknown as { shape?: Record<string, unknown> }).shape ?? {};
      const keys = Object.keys(shape);
      const valid = validBody(route.path, deploymentId);
      // Any field of a valid body, nested ones included, and the schema's optional fields the valid body leaves out.
      const paths = [...leafPaths(valid), ...keys.filter((k) => !(k in valid)).map((k) => [k])];
      const numeric = keys.filter((k) => isNumeric(shape[k])).map((k) => [k]);
      const at = (v: fc.Arbitrary<unknown>) => fc.tuple(fc.constantFrom(...paths), v).map(([path, x]) => setAt(valid, path, x));
      const body = fc.oneof(
        { weight: 3, arbitrary: at(value) },
        { weight: 3, arbitrary: at(hostileClass) },
        // Aimed at the number fields, where the column ranges are: drawn among all fields, they would rarely land there.
        { weight: numeric.length ? 3 : 0, arbitrary: fc.tuple(fc.constantFrom(...(numeric.length ? numeric : [['_']])), pastBounds).map(([path, x]) => setAt(valid, path, x)) },
        { weight: 1, arbitrary: deepJson },
        { weight: 1, arbitrary: fc.constantFrom(...HOSTILE).map((h) => ({ ...valid, ...Object.fromEntries(Object.entries(valid).filter(([, v]) => typeof v === 'string').map(([k]) => [k, h])) })) },
        { weight: 2, arbitrary: fc.record(Object.fromEntries(keys.map((k) => [k, value])), { requiredKeys: [] }) },
        { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
        { weight: 1, arbitrary: fc.string({ maxLength: 200 }).map((raw) => ({ __raw: raw })) },
      );
      // The real deployment most often, so a hostile body gets past the lookup to the write.
      const param = fc.oneof({ weight: 3, arbitrary: fc.constant(deploymentId) }, fc.uuid(), fc.constantFrom('abc-123', '%00', "1' or '1'='1", 'x'.repeat(300)).map(encodeURIComponent), urlValue);
      await fc.assert(
        fc.asyncProperty(body, param, async (payload, id) => {
          const path = route.path.replace(/\{(\w+)\}/g, () => id);
          const raw = payload && typeof payload === 'object' && '__raw' in payload ? String((payload as { __raw: string }).__raw) : toJson(payload);
          const res = await fetch(`${b.url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: raw });
          await judge(`POST ${route.path} ${raw}`, res);
        }),
        { numRuns: 200 },
      );
    }
    const verdict = await verifyAuditChain(b.running.deps.db);
    expect(verdict.ok).toBe(true);
  }, 240_000);

  it('answers every hostile path and query string with 2xx or a clear 4xx, never a 5xx', async () => {
    const readRoutes = ROUTES.filter((r) => r.method === 'get' && (r.query || r.params) && r.auth !== 'public');
    for (const route of readRoutes) {
      const token = TOKENS[ROLE_TOKEN[(route.auth as Role[])[0]!]];
      const keys = Object.keys((route.query as unknown as { shape?: Record<string, unknown> } | undefined)?.shape ?? {});
      const query = fc.array(fc.tuple(keys.length ? fc.oneof(fc.constantFrom(...keys), fc.string({ maxLength: 5 }).map(encodeLoose)) : fc.string({ maxLength: 5 }).map(encodeLoose), urlValue), { maxLength: 3 });
      const param = fc.oneof(fc.uuid(), urlValue);
      await fc.assert(
        fc.asyncProperty(query, param, async (pairs, id) => {
          const search = pairs.map(([k, v]) => `${k}=${v}`).join('&');
          const path = `${route.path.replace(/\{(\w+)\}/g, () => id)}${search ? `?${search}` : ''}`;
          const res = await fetch(`${b.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
          await judge(`GET ${path}`, res);
        }),
        { numRuns: 150 },
      );
    }
  }, 120_000);

  it('answered none of them with a 5xx', () => {
    const show = (counts: Map<number, number>) => [...counts.entries()].sort(([a], [c]) => a - c).map(([s, n]) => `${s}×${n}`).join(' ');
    const classes = [...byClass].map(([cls, counts]) => `  ${cls}: ${show(counts)}`).join('\n');
    console.log(`fuzzed with ${requests} hostile requests: ${show(statuses)}; ${failures.length} 5xx\n${classes}`);
    expect(failures, failures.slice(0, 10).map((f) => `[${f.cls}] ${f.request} → ${f.answer}`).join('\n')).toEqual([]);
  });
});

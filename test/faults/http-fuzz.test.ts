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
);

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

describe('HTTP fuzzing', () => {
  let b: Backstop;
  let deploymentId: string;
  beforeAll(async () => {
    b = await startBackstop({ policy: testPolicy({ executorArgv: ['true'] }), roles: { api: true, worker: false } });
    const rec = await b.api('POST', '/api/deployments', 'ci', { service: 'payments', environment: 'staging', version: 'v1', git_commit: 'abc1234' });
    deploymentId = rec.body.deployment_id;
  });
  afterAll(async () => b?.close());

  it('answers every hostile body with 2xx or a clear 4xx, never a 5xx, and stays consistent', async () => {
    const bodyRoutes = ROUTES.filter((r) => r.method === 'post' && r.body && r.auth !== 'public');
    const statuses = new Map<number, number>();
    let requests = 0;
    for (const route of bodyRoutes) {
      const token = TOKENS[ROLE_TOKEN[(route.auth as Role[])[0]!]];
      const shape = (route.body as unknown as { shape?: Record<string, unknown> }).shape ?? {};
      const keys = Object.keys(shape);
      const valid = validBody(route.path, deploymentId);
      const mutated = fc.tuple(fc.constantFrom(...Object.keys(valid)), value).map(([k, v]) => ({ ...valid, [k]: v }));
      const body = fc.oneof(
        { weight: 3, arbitrary: mutated },
        { weight: 1, arbitrary: fc.constantFrom(...HOSTILE).map((h) => ({ ...valid, ...Object.fromEntries(Object.entries(valid).filter(([, v]) => typeof v === 'string').map(([k]) => [k, h])) })) },
        { weight: 2, arbitrary: fc.record(Object.fromEntries(keys.map((k) => [k, value])), { requiredKeys: [] }) },
        { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
        { weight: 1, arbitrary: fc.string({ maxLength: 200 }).map((raw) => ({ __raw: raw })) },
      );
      const param = fc.oneof(fc.constant(deploymentId), fc.uuid(), fc.constantFrom('abc-123', '%00', "1' or '1'='1", 'x'.repeat(300)));
      await fc.assert(
        fc.asyncProperty(body, param, async (payload, id) => {
          const path = route.path.replace(/\{(\w+)\}/g, () => encodeURIComponent(id));
          const raw = payload && typeof payload === 'object' && '__raw' in payload ? String((payload as { __raw: string }).__raw) : JSON.stringify(payload);
          const res = await fetch(`${b.url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: raw });
          requests++;
          statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
          const text = await res.text();
          expect(res.status, `${route.path} ${raw.slice(0, 200)} → ${text.slice(0, 300)}`).toBeLessThan(500);
          if (res.status >= 400) {
            // Either backstop's error shape, or the seed contract's refusal ({success:false, error:"…", validation}).
            const parsed = JSON.parse(text) as { success?: boolean; error?: string | { code?: string; message?: string } };
            const message = typeof parsed.error === 'string' ? parsed.error : parsed.error?.code && parsed.error.message;
            expect(message, text.slice(0, 300)).toBeTruthy();
            expect(String(message).length).toBeGreaterThan(5);
            expect(text).not.toMatch(/\n\s+at |TypeError|ReferenceError|node_modules/);
          }
        }),
        { numRuns: 150 },
      );
    }
    const verdict = await verifyAuditChain(b.running.deps.db);
    expect(verdict.ok).toBe(true);
    const byStatus = [...statuses.entries()].sort(([a], [c]) => a - c).map(([s, n]) => `${s}×${n}`).join(' ');
    console.log(`fuzzed ${bodyRoutes.length} routes with ${requests} hostile requests: ${byStatus}; 0 5xx; audit chain intact`);
  }, 240_000);
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Role } from '../../src/config/schema.ts';
import { ROUTES } from '../../src/http/routes/index.ts';
import { startBackstop, testPolicy, TOKENS, type Backstop } from '../support/harness.ts';

// Every route in the registry, tried with no token, a wrong token, a malformed header, and a real token that lacks
// the role: all refused, with a message, before any body is read. (Discord commands and buttons get the same sweep
// in test/integration/discord-flow.test.ts.)

const SAMPLE_PARAMS: Record<string, string> = { id: '3f1c9a52-8d1e-4b7a-9c3e-2a6f0b1d4e5c', event_id: '3f1c9a52-8d1e-4b7a-9c3e-2a6f0b1d4e5c', service: 'payments', environment: 'production' };
const TOKEN_ROLES: Record<keyof typeof TOKENS, Role[]> = { ci: ['deployer'], alice: ['approver'], bob: ['approver', 'override'], carol: ['approver'], gateway: ['approver'], viewer: ['viewer'] };

describe('authorization sweep', () => {
  let b: Backstop;
  beforeAll(async () => {
    b = await startBackstop({ policy: testPolicy({ executorArgv: ['true'] }), roles: { api: true, worker: false } });
  });
  afterAll(async () => b?.close());

  it('refuses every protected route without a valid token, and with a token that lacks the role', async () => {
    const protectedRoutes = ROUTES.filter((r) => r.auth !== 'public');
    let tried = 0;
    for (const route of protectedRoutes) {
      const path = route.path.replace(/\{(\w+)\}/g, (_m, name: string) => SAMPLE_PARAMS[name] ?? 'x');
      const call = async (authorization: string | null) => {
        const res = await fetch(`${b.url}${path}`, {
          method: route.method.toUpperCase(),
          headers: { ...(authorization ? { authorization } : {}), ...(route.method === 'post' ? { 'content-type': 'application/json' } : {}) },
          body: route.method === 'post' ? '{}' : undefined,
        });
        tried++;
        return { status: res.status, body: (await res.json()) as { error?: { code: string; message: string } } };
      };
      for (const authorization of [null, 'Bearer not-a-real-token', 'Basic Zm9vOmJhcg==', 'Token abc', `Bearer ${TOKENS.alice} extra`]) {
        const r = await call(authorization);
        expect(r.status, `${route.method} ${route.path} with ${authorization}`).toBe(401);
        expect(r.body.error?.message).toMatch(/token/);
      }
      const allowed = route.auth as readonly Role[];
      for (const [name, roles] of Object.entries(TOKEN_ROLES)) {
        if (roles.some((role) => allowed.includes(role))) continue;
        const r = await call(`Bearer ${TOKENS[name as keyof typeof TOKENS]}`);
        expect(r.status, `${route.method} ${route.path} as ${name}`).toBe(403);
        expect(r.body.error?.code).toBe('FORBIDDEN');
      }
    }
    console.log(`authorization sweep: ${protectedRoutes.length} protected routes, ${tried} unauthorized calls, all refused (401 without a valid token, 403 without the role)`);
    // Nothing was recorded by any of them.
    const rows = await b.running.deps.pool.query(`select (select count(*) from ops.deployments)::int as d, (select count(*) from ops.rollback_events)::int as e, (select count(*) from ops.approvals)::int as a`);
    expect(rows.rows[0]).toEqual({ d: 0, e: 0, a: 0 });
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROUTES } from '../../src/http/routes/index.ts';
import { startBackstop, testPolicy, MACHINE_TOKENS, type Backstop } from '../support/harness.ts';

// Automatic and alert triggers change Law 3's verdict and the metrics, so over the API only a token with the
// automation role (test token "robot") may claim them; people ask for manual rollbacks.
describe('who may claim an automatic or alert trigger', () => {
  let b: Backstop;
  let n = 0;
  beforeAll(async () => {
    b = await startBackstop({ policy: testPolicy({ executorArgv: ['true'] }), roles: { api: true, worker: false } });
  });
  afterAll(async () => b?.close());

  /** A known-good staging deployment of payments, then a bad one to roll back from. */
  async function badDeployment(): Promise<string> {
    const dep = async (version: string, good: boolean) => {
      const id = (await b.api('POST', '/api/deployments', 'ci', { service: 'payments', environment: 'staging', version, git_commit: 'abcdef0' })).body.deployment_id as string;
      await b.api('POST', `/api/deployments/${id}/complete`, 'ci', { status: good ? 'success' : 'failed', health_check_passed: good });
      return id;
    };
    await dep(`v${++n}.0`, true);
    return dep(`v${n}.1`, false);
  }
  const count = async (sql: string, params: unknown[]) => (await b.running.deps.pool.query(sql, params)).rows[0].n as number;
  const cancel = async (eventId: string) => expect((await b.api('POST', `/api/rollbacks/${eventId}/cancel`, 'alice', { reason: 'test case done' })).status).toBe(200);

  it.each([
    ['ci', '/api/rollbacks', 'automatic'],
    ['alice', '/api/rollbacks', 'alert'],
    ['bob', '/auto-rollback', 'automatic'],
    ['ci', '/auto-rollback', 'alert'],
  ] as const)('refuses %s (a person) on POST %s claiming trigger_type %s with 403, and stores nothing', async (token, path, trigger) => {
    const bad = await badDeployment();
    const res = await b.api('POST', path, token, { deployment_id: bad, trigger_reason: 'error rate is up', trigger_type: trigger });
    expect(res.status).toBe(403);
    expect(res.body.error).toEqual({ code: 'FORBIDDEN', message: `trigger_type: "${trigger}" needs a token with the automation role; people ask for manual rollbacks` });
    expect(await count('select count(*)::int as n from ops.rollback_events where deployment_id = $1', [bad])).toBe(0);
    expect(await count(`select count(*)::int as n from ops.audit_log where details->>'deployment_id' = $1`, [bad])).toBe(0);
  });

  it('admits an automatic trigger from an automation token, with no person as requester', async () => {
    const bad = await badDeployment();
    const res = await b.api('POST', '/api/rollbacks', 'robot', { deployment_id: bad, trigger_reason: 'canary analysis failed', trigger_type: 'automatic' });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body).toMatchObject({ success: true, status: 'awaiting_approval', approvals_required: 1 });
    const event = await b.api('GET', `/api/rollbacks/${res.body.event_id}`, 'viewer');
    // Every approval must come from people: the token is on record, but it is not the requester and did not approve.
    expect(event.body).toMatchObject({ trigger_type: 'automatic', initiated_by: null, trigger_data: { requested_by_token: 'robot' }, approvals: [] });
    await cancel(res.body.event_id);
  });

  it('admits an alert trigger from an automation token on the seed route', async () => {
    const bad = await badDeployment();
    const res = await b.api('POST', '/auto-rollback', 'robot', { deployment_id: bad, trigger_reason: 'p0 alert', trigger_type: 'alert' });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect((await b.api('GET', `/api/rollbacks/${res.body.event_id}`, 'viewer')).body.trigger_type).toBe('alert');
    await cancel(res.body.event_id);
  });

  it('keeps manual, the default, working for deployer and approver tokens', async () => {
    for (const [token, body] of [
      ['ci', {}],
      ['alice', { trigger_type: 'manual' }],
    ] as const) {
      const bad = await badDeployment();
      const res = await b.api('POST', '/api/rollbacks', token, { deployment_id: bad, trigger_reason: 'feature bug', ...body });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      const event = await b.api('GET', `/api/rollbacks/${res.body.event_id}`, 'viewer');
      expect(event.body).toMatchObject({ trigger_type: 'manual', initiated_by: token });
      await cancel(res.body.event_id);
    }
  });

  it('the law the rule protects: an automatic rollback of a stable system is refused, a manual one only warned about', async () => {
    const bad = await badDeployment();
    expect((await b.api('POST', `/api/deployments/${bad}/health`, 'ci', { error_rate_per_minute: 0.1 })).status).toBe(201);
    const automatic = await b.api('POST', '/api/rollbacks', 'robot', { deployment_id: bad, trigger_reason: 'looks bad', trigger_type: 'automatic' });
    expect(automatic.status).toBe(422);
    expect(automatic.body.validation.violations.join(' ')).toMatch(/system already stable/);
    const manual = await b.api('POST', '/api/rollbacks', 'ci', { deployment_id: bad, trigger_reason: 'looks bad' });
    expect(manual.status, JSON.stringify(manual.body)).toBe(201);
    expect(manual.body.validation.warnings.join(' ')).toMatch(/system already stable/);
    await cancel(manual.body.event_id);
  });

  it('an automation token asks for no manual rollback and names no person', async () => {
    const bad = await badDeployment();
    const manual = await b.api('POST', '/api/rollbacks', 'robot', { deployment_id: bad, trigger_reason: 'x' });
    expect(manual.status).toBe(403);
    const named = await b.api('POST', '/api/rollbacks', 'robot', { deployment_id: bad, trigger_reason: 'x', trigger_type: 'automatic', initiated_by: 'alice' });
    expect(named.status).toBe(400);
    expect(named.body.error.message).toBe('initiated_by: an automatic trigger is not asked for by a person; leave initiated_by out');
    const override = await b.api('POST', '/api/rollbacks', 'robot', { deployment_id: bad, trigger_reason: 'x', trigger_type: 'automatic', override: true });
    expect(override.status).toBe(403);
    expect(await count('select count(*)::int as n from ops.rollback_events where deployment_id = $1', [bad])).toBe(0);
  });

  it('the OpenAPI document names the role and the rule', async () => {
    const doc = await b.api('GET', '/api/openapi.json', null);
    const op = doc.body.paths['/api/rollbacks'].post;
    expect(op.description).toBe('Roles: deployer, approver, automation (admin may call every operation).');
    expect(op.requestBody.content['application/json'].schema.properties.trigger_type.description).toBe(
      'automatic and alert need a token with the automation role; people ask for manual rollbacks',
    );
  });

  it('an automation token may call only the routes that name its role', async () => {
    const open = ROUTES.filter((r) => r.auth !== 'public' && r.auth.includes('automation')).map((r) => `${r.method} ${r.path}`);
    // Alertmanager's webhook, its rollbacks, and the deploy gate, which a CI pipeline may ask with a machine token.
    expect(open.sort()).toEqual(['get /api/gate', 'post /api/alerts/alertmanager', 'post /api/rollbacks', 'post /auto-rollback']);
    const id = '3f1c9a52-8d1e-4b7a-9c3e-2a6f0b1d4e5c';
    for (const route of ROUTES.filter((r) => r.auth !== 'public' && !r.auth.includes('automation'))) {
      const path = route.path.replace(/\{(\w+)\}/g, (_m, name: string) => ({ service: 'payments', environment: 'staging' })[name] ?? id);
      const res = await fetch(`${b.url}${path}`, {
        method: route.method.toUpperCase(),
        headers: { authorization: `Bearer ${MACHINE_TOKENS.robot}`, ...(route.method === 'post' ? { 'content-type': 'application/json' } : {}) },
        body: route.method === 'post' ? '{}' : undefined,
      });
      expect(res.status, `${route.method} ${route.path}`).toBe(403);
    }
  });
});

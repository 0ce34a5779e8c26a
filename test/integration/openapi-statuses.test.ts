import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AnyRoute } from '../../src/http/route.ts';
import { ROUTES } from '../../src/http/routes/index.ts';
import type { AppDeps } from '../../src/main/deps.ts';
import { MACHINE_TOKENS, startBackstop, testPolicy, TOKENS, waitFor, type Backstop, type TokenName } from '../support/harness.ts';
import { createUnreachableApp } from '../support/unreachable-app.ts';
import { GITHUB_APP_ENV, githubAppPolicy, signedHeaders } from '../support/github-app-setup.ts';

// Every status the document lists is one the API really answers: each is provoked here by a real request, with the
// contract check on (the test support turns it on), so each answer's body is held to its declaration too. 503, which
// needs PostgreSQL down, has its own app below, pointed at a port where nothing listens. 429 comes from an address of
// its own (127.0.0.5), locked out by the brake on guessing tokens, so the other calls' address is never locked out.

const UNKNOWN = '3f1c9a52-8d1e-4b7a-9c3e-2a6f0b1d4e5c';
// Each token's one role (see TOKEN_ROLES_YAML); alice stands for the approvers.
const ROLE: Partial<Record<TokenName, string>> = { ci: 'deployer', alice: 'approver', viewer: 'viewer', robot: 'automation', bob: 'override' };
const holds = (r: AnyRoute, t: TokenName) => r.auth !== 'public' && r.auth.includes(ROLE[t] as never);
const allowed = (r: AnyRoute) => (['ci', 'alice', 'viewer', 'robot', 'bob'] as const).find((t) => holds(r, t))!;
const lacking = (r: AnyRoute) => (['viewer', 'robot', 'ci'] as const).find((t) => !holds(r, t))!;

interface Call {
  token?: TokenName | null;
  params?: Record<string, string>;
  query?: string;
  /** A value is sent as JSON; a string as it is. */
  body?: unknown;
  contentType?: string;
  headers?: Record<string, string>;
}

type Send = (path: string, init: RequestInit) => Promise<Response>;

function request(send: Send, route: AnyRoute, call: Call): Promise<Response> {
  const fill = (name: string) => call.params?.[name] ?? ({ service: 'payments', environment: 'staging' } as Record<string, string>)[name] ?? UNKNOWN;
  const path = route.path.replace(/\{(\w+)\}/g, (_m, name: string) => encodeURIComponent(fill(name)));
  const body = call.body === undefined ? undefined : typeof call.body === 'string' ? call.body : JSON.stringify(call.body);
  const headers: Record<string, string> = { ...call.headers };
  if (call.token) headers.authorization = `Bearer ${{ ...TOKENS, ...MACHINE_TOKENS }[call.token]}`;
  if (body !== undefined) headers['content-type'] ??= call.contentType ?? 'application/json';
  return send(`${path}${call.query ?? ''}`, { method: route.method.toUpperCase(), headers, body });
}

/** Sends from a chosen loopback address (Linux routes all of 127.0.0.0/8 to lo): the brake on guessing counts by address. */
const sendFrom =
  (base: string, localAddress: string): Send =>
  (path, init) =>
    new Promise((resolve, reject) => {
      const req = httpRequest(`${base}${path}`, { method: init.method, headers: init.headers as Record<string, string>, localAddress, agent: false }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const headers = Object.entries(res.headers).filter((e): e is [string, string] => typeof e[1] === 'string');
          resolve(new Response(Buffer.concat(chunks), { status: res.statusCode!, headers }));
        });
      });
      req.on('error', reject);
      req.end(init.body as string | undefined);
    });

const NOWHERE = 'http://127.0.0.1:1';
const GITHUB_POLICY = `${testPolicy({ executorArgv: ['true'], onNoData: 'pass' })}${githubAppPolicy(NOWHERE)}`;
/** A deployment_protection_rule event for a repository no service maps, signed as GitHub signs it. */
const githubDelivery = (event = 'deployment_protection_rule'): Call => {
  const body = JSON.stringify({
    action: 'requested', environment: 'production', event: 'push', sha: '9fceb02d0ae598e95dc970b74767f19372d61af8', ref: 'main',
    deployment_callback_url: `${NOWHERE}/repos/acme/unmapped/actions/runs/7/deployment_protection_rule`,
    repository: { full_name: 'acme/unmapped' }, installation: { id: 1 },
  });
  return { body, headers: signedHeaders(event, body) };
};

describe('every documented status, provoked', () => {
  let b: Backstop;
  const seen = new Map<string, Set<number>>();
  const byId = (operationId: string) => ROUTES.find((r) => r.operationId === operationId)!;
  /** Calls an operation, records the status it answered, and returns the body. */
  async function call(operationId: string, c: Call, expected: number, send: Send = (path, init) => fetch(`${b.url}${path}`, init)): Promise<any> {
    const route = byId(operationId);
    const res = await request(send, route, { token: route.auth === 'public' ? null : allowed(route), ...c });
    const text = await res.text();
    expect(res.status, `${operationId}: ${text.slice(0, 300)}`).toBe(expected);
    (seen.get(operationId) ?? seen.set(operationId, new Set()).get(operationId)!).add(res.status);
    return text.startsWith('{') ? JSON.parse(text) : text;
  }

  beforeAll(async () => {
    // A GitHub App whose API is nowhere (port 1): a delivery is recorded and decided, and its answer waits for GitHub.
    b = await startBackstop({ policy: GITHUB_POLICY, env: GITHUB_APP_ENV, roles: { api: true, worker: true } });
  });
  afterAll(async () => b?.close());

  it('answers the failures register() and the token check give, on every route', async () => {
    for (const r of ROUTES) {
      const params = { id: UNKNOWN, event_id: UNKNOWN };
      if (r.auth !== 'public') {
        await call(r.operationId, { token: null, params }, 401);
        await call(r.operationId, { token: lacking(r), params }, 403);
      }
      if (r.body) {
        await call(r.operationId, { params, body: [] }, 400);
        await call(r.operationId, { params, body: '{}', contentType: 'text/plain' }, 415);
        // Past the test policy's api.body_limit (16384 bytes).
        await call(r.operationId, { params, body: { pad: 'x'.repeat(20_000) } }, 413);
      } else if (r.params) await call(r.operationId, { params: { id: 'nope', event_id: 'nope', service: 'No Such!' } }, 400);
      else if (r.query) await call(r.operationId, { query: '?limit=0&x=%00' }, 400);
    }
  }, 120_000);

  it("answers each route's own outcomes", async () => {
    const deploy = async (service: string, environment: string, version: string, good: boolean) => {
      const { deployment_id } = await call('createDeployment', { body: { service, environment, version, git_commit: 'abcdef0' } }, 201);
      await call('completeDeployment', { params: { id: deployment_id }, body: { status: good ? 'success' : 'failed', health_check_passed: good } }, 200);
      return deployment_id as string;
    };
    const finished = (eventId: string) =>
      waitFor('the rollback to finish', async () => {
        const r = await call('getRollback', { params: { event_id: eventId } }, 200);
        return ['succeeded', 'failed'].includes(r.status) && r;
      }, 30_000);

    await call('getHealth', {}, 200);
    await call('getMetrics', {}, 200);
    await call('getOpenApiDocument', {}, 200);
    await call('createDeployment', { body: { service: 'nope', environment: 'staging', version: 'v1', git_commit: 'abcdef0' } }, 422);
    await call('completeDeployment', { body: { status: 'success', health_check_passed: true } }, 404);

    await deploy('payments', 'staging', 'v1', true);
    const bad = await deploy('payments', 'staging', 'v2', false);
    await call('recordMigration', { params: { id: bad }, body: { name: 'm1', hash: 'h1', reversibility: 'reversible', rollback_script: 'drop table t;' } }, 201);
    await call('recordMigration', { params: { id: bad }, body: { name: 'm1', hash: 'h1', reversibility: 'reversible' } }, 409);
    await call('recordMigration', { body: { name: 'm1', hash: 'h1', reversibility: 'reversible' } }, 404);
    await call('pushHealthSample', { params: { id: bad }, body: { error_rate_per_minute: 0.1 } }, 201);
    await call('pushHealthSample', { body: { error_rate_per_minute: 0.1 } }, 404);
    const retired = (await b.running.deps.pool.query(`insert into ops.deployments (service, environment, version, git_commit) values ('retired', 'staging', 'v1', 'abcdef0') returning deployment_id`)).rows[0].deployment_id;
    for (const op of ['checkDeployment', 'autoRollbackCheck']) {
      await call(op, { body: { deployment_id: bad } }, 200);
      await call(op, { body: { deployment_id: UNKNOWN } }, 404);
      // A deployment recorded before its service left the policy file.
      await call(op, { body: { deployment_id: retired } }, 422);
    }

    // Asked for by a deployer, so it waits for an approver: cancelled, then asked for again by one and run.
    const asked = await call('requestRollback', { token: 'ci', body: { deployment_id: bad, trigger_reason: 'errors' } }, 201);
    await call('autoRollback', { token: 'ci', body: { deployment_id: bad, trigger_reason: 'errors' } }, 409);
    await call('requestRollback', { token: 'ci', body: { deployment_id: bad, trigger_reason: 'errors' } }, 409);
    await call('cancelRollback', { params: { event_id: asked.event_id }, body: { reason: 'not now' } }, 200);
    await call('cancelRollback', { params: { event_id: asked.event_id }, body: {} }, 409);
    await call('cancelRollback', { body: {} }, 404);
    const run = await call('autoRollback', { token: 'alice', body: { deployment_id: bad, trigger_reason: 'errors' } }, 201);
    expect((await finished(run.event_id)).status).toBe('succeeded');
    await call('completeDeployment', { params: { id: bad }, body: { status: 'success', health_check_passed: true } }, 409);
    await call('requestRollback', { body: { deployment_id: bad, trigger_reason: 'again' } }, 409);
    await call('requestRollback', { body: { deployment_id: UNKNOWN, trigger_reason: 'errors' } }, 404);
    await call('autoRollback', { body: { deployment_id: UNKNOWN, trigger_reason: 'errors' } }, 404);
    // search's first deployment has nothing to roll back to: the constitution refuses it.
    const first = await deploy('search', 'staging', 'v1', false);
    await call('requestRollback', { body: { deployment_id: first, trigger_reason: 'errors' } }, 422);
    await call('autoRollback', { body: { deployment_id: first, trigger_reason: 'errors' } }, 422);

    // Production needs two approvals: alice's request counts as one.
    await deploy('payments', 'production', 'v1', true);
    const pending = await call('requestRollback', { token: 'alice', body: { deployment_id: await deploy('payments', 'production', 'v2', false), trigger_reason: 'errors' } }, 201);
    const vote = (token: TokenName, expected: number, event_id = pending.event_id) => call('decideRollback', { token, params: { event_id }, body: { decision: 'approve', reason: 'seen' } }, expected);
    await vote('alice', 403);
    await vote('alice', 404, UNKNOWN);
    await vote('carol', 200);
    await vote('bob', 409);
    await finished(pending.event_id);

    for (const op of ['getRollback', 'getRollbackEvidence']) {
      await call(op, { params: { event_id: run.event_id } }, 200);
      await call(op, {}, 404);
    }
    for (const op of ['listRollbacks', 'listRollbackHistory', 'autoRollbackHistory']) await call(op, { query: '?limit=2' }, 200);
    await call('acknowledgeAutomationHold', {}, 200);
    await call('acknowledgeAutomationHold', { params: { service: 'retired', environment: 'staging' } }, 422);
    // A warning the monitor decided about the bad deployment, marked as a false alarm once.
    const warned = await b.running.deps.pool.query(
      `insert into ops.health_decisions (deployment_id, service, environment, action, summary, evidence) values ($1, 'payments', 'staging', 'warn', 'Slow', '{"fired":[{"rule":"latency"}]}') returning id`,
      [bad],
    );
    const decisionId = String(warned.rows[0].id);
    await call('labelFalseAlarm', { params: { decision_id: decisionId }, body: { reason: 'a load test' } }, 201);
    await call('labelFalseAlarm', { params: { decision_id: decisionId }, body: {} }, 409);
    await call('labelFalseAlarm', { params: { decision_id: '987654321' }, body: {} }, 404);
    const alert = { status: 'firing', labels: { alertname: 'Noise' }, annotations: {}, startsAt: new Date().toISOString(), endsAt: '0001-01-01T00:00:00Z', fingerprint: 'f1' };
    await call('receiveAlertmanagerWebhook', { body: { version: '4', receiver: 'r', status: 'firing', alerts: [alert], groupLabels: {}, commonLabels: {}, commonAnnotations: {}, externalURL: 'http://am', groupKey: 'k' } }, 200);

    // The gate, freezes and passes.
    await call('askGate', { query: '?service=payments&environment=staging&version=v9' }, 200);
    await call('askGate', { query: '?service=retired&environment=staging&version=v9' }, 422);
    const freeze = await call('setFreeze', { body: { service: 'payments', environment: 'staging', duration: '1h', reason: 'drill' } }, 201);
    await call('setFreeze', { body: { service: 'retired', environment: 'staging', duration: '1h', reason: 'drill' } }, 422);
    await call('listFreezes', {}, 200);
    await call('listFreezes', { query: '?service=retired' }, 422);
    await call('liftFreeze', { params: { freeze_id: freeze.freeze_id }, body: {} }, 200);
    await call('liftFreeze', { params: { freeze_id: freeze.freeze_id }, body: {} }, 409);
    await call('liftFreeze', { params: { freeze_id: UNKNOWN }, body: {} }, 404);
    const pass = await call('requestDeployPass', { body: { service: 'payments', environment: 'staging', version: 'v9', reason: 'hotfix' } }, 201);
    await call('requestDeployPass', { body: { service: 'retired', environment: 'staging', version: 'v9', reason: 'hotfix' } }, 422);
    await call('grantDeployPass', { params: { pass_id: pass.pass_id }, body: {} }, 200);
    await call('grantDeployPass', { params: { pass_id: pass.pass_id }, body: {} }, 409);
    await call('grantDeployPass', { params: { pass_id: UNKNOWN }, body: {} }, 404);
    const delivery = githubDelivery();
    expect(await call('receiveGithubWebhook', delivery, 200)).toMatchObject({ state: 'waiting', duplicate: false });
    await call('receiveGithubWebhook', githubDelivery('ping'), 202);
    await call('receiveGithubWebhook', { body: delivery.body, headers: { ...delivery.headers, 'x-hub-signature-256': `sha256=${'0'.repeat(64)}` } }, 401);
    const notAnEvent = '{"action":"requested"}';
    await call('receiveGithubWebhook', { body: notAnEvent, headers: signedHeaders('deployment_protection_rule', notAnEvent) }, 400);
  }, 120_000);

  it('answers 429 with Retry-After on every route with a token, to an address that guessed ten tokens', async () => {
    const guesser = sendFrom(b.url, '127.0.0.5');
    const list = byId('listRollbacks');
    for (let i = 0; i < 10; i++) expect((await guesser(list.path, { method: 'GET', headers: { authorization: `Bearer guess-${i}` } })).status).toBe(401);
    for (const r of ROUTES.filter((route) => route.auth !== 'public')) {
      const body = await call(r.operationId, { params: { id: UNKNOWN, event_id: UNKNOWN } }, 429, guesser);
      expect(body.error.code).toBe('RATE_LIMITED');
    }
    const res = await guesser(list.path, { method: 'GET', headers: { authorization: `Bearer ${TOKENS.viewer}` } });
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('has provoked every documented status but 503, and nothing else', async () => {
    const doc = (await (await fetch(`${b.url}/api/openapi.json`)).json()) as { paths: Record<string, Record<string, { operationId: string; responses: object }>> };
    for (const op of Object.values(doc.paths).flatMap((methods) => Object.values(methods))) {
      const documented = Object.keys(op.responses).map(Number).filter((s) => s !== 503);
      expect([...(seen.get(op.operationId) ?? [])].sort((x, y) => x - y), op.operationId).toEqual(documented);
    }
  });
});

describe('every documented 503, with PostgreSQL and Redis unreachable', () => {
  let deps: AppDeps;
  let send: Send;

  beforeAll(async () => {
    const built = await createUnreachableApp({
      env: { BACKSTOP_TOKEN_CI: TOKENS.ci, BACKSTOP_TOKEN_ALICE: TOKENS.alice, BACKSTOP_TOKEN_VIEWER: TOKENS.viewer, BACKSTOP_TOKEN_BOB: TOKENS.bob, BACKSTOP_TOKEN_ROBOT: MACHINE_TOKENS.robot, ...GITHUB_APP_ENV },
      policy: GITHUB_POLICY,
      checkResponses: true,
    });
    deps = built.deps;
    const { app } = built;
    // No socket: the app answers each Request itself.
    send = async (path, init) => app.request(path, init);
  });
  afterAll(async () => deps?.close());

  const valid: Record<string, Call> = {
    createDeployment: { body: { service: 'payments', environment: 'staging', version: 'v1', git_commit: 'abcdef0' } },
    completeDeployment: { body: { status: 'success', health_check_passed: true } },
    recordMigration: { body: { name: 'm1', hash: 'h1', reversibility: 'reversible' } },
    pushHealthSample: { body: { error_rate_per_minute: 1 } },
    receiveAlertmanagerWebhook: {
      body: {
        version: '4', receiver: 'r', status: 'firing', groupLabels: {}, commonLabels: {}, commonAnnotations: {}, externalURL: 'http://am', groupKey: 'k',
        alerts: [{ status: 'firing', labels: { service: 'payments', environment: 'staging' }, annotations: {}, startsAt: '2026-11-22T14:00:00Z', endsAt: '0001-01-01T00:00:00Z', fingerprint: 'f' }],
      },
    },
    requestRollback: { body: { deployment_id: UNKNOWN, trigger_reason: 'db down' } },
    autoRollback: { body: { deployment_id: UNKNOWN, trigger_reason: 'db down' } },
    checkDeployment: { body: { deployment_id: UNKNOWN } },
    autoRollbackCheck: { body: { deployment_id: UNKNOWN } },
    decideRollback: { body: { decision: 'approve', reason: 'ok' } },
    cancelRollback: { body: {} },
    askGate: { query: '?service=payments&environment=staging&version=v9' },
    listFreezes: {},
    setFreeze: { body: { service: 'payments', environment: 'staging', duration: '1h', reason: 'db down' } },
    liftFreeze: { body: {} },
    labelFalseAlarm: { params: { decision_id: '1' }, body: {} },
    requestDeployPass: { body: { service: 'payments', environment: 'staging', version: 'v9', reason: 'db down' } },
    grantDeployPass: { body: {} },
    receiveGithubWebhook: githubDelivery(),
  };

  it('answers 503, as declared, on each route that documents it', async () => {
    const documented = ROUTES.filter((r) => r.responses[503]);
    expect(documented.length).toBeGreaterThan(15);
    for (const r of documented) {
      const res = await request(send, r, { token: r.auth === 'public' ? null : allowed(r), ...valid[r.operationId] });
      expect(res.status, `${r.operationId}: ${await res.clone().text()}`).toBe(503);
    }
  });
});

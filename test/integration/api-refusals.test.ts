import { request, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendAuditBatch } from '../../src/audit/append-audit.ts';
import { verifyAuditChain } from '../../src/audit/verify-audit.ts';
import { createApp } from '../../src/http/app.ts';
import { createAuthenticator } from '../../src/http/auth.ts';
import { createAuthBrake } from '../../src/http/auth-brake.ts';
import { listen, type Listening } from '../../src/http/listen.ts';
import { createRefusalAudit, type RefusalAudit } from '../../src/http/refusal-audit.ts';
import { createApiRefusalMetrics } from '../../src/metrics/api-refusal-metrics.ts';
import { startBackstop, testPolicy, TOKENS, waitFor, type Backstop } from '../support/harness.ts';

// Every 401 and 403 is audited, a flood of them only up to a bound per source plus one summary, and a source that
// guesses tokens is locked out. The app under test is built like roles.ts builds it, on this file's database, but with
// a clock the test moves: a lockout ends without sleeping. Requests come from several loopback addresses (Linux
// routes all of 127.0.0.0/8 to lo), so each address is a source of its own.

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: any;
}

/** One request from a chosen local address, on a connection of its own. */
function callFrom(from: string, base: string, method: string, path: string, authorization?: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(`${base}${path}`, { method, localAddress: from, agent: false, headers: authorization ? { authorization } : {} }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: text.startsWith('{') || text.startsWith('[') ? JSON.parse(text) : text }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('refused API calls: audited within bounds, and a brake on guessing tokens', () => {
  let b: Backstop;
  let api: Listening;
  let base: string;
  let refusals: RefusalAudit;
  const registry = new Registry();
  let now = Date.parse('2026-12-04T14:00:00Z');
  const clock = () => new Date(now);
  const q = async (sql: string, params: unknown[] = []) => (await b.running.deps.pool.query(sql, params)).rows;
  const counter = async (name: string) => Object.fromEntries((await registry.getSingleMetric(name)!.get()).values.map((v) => [v.labels.reason ?? 'all', v.value]));

  beforeAll(async () => {
    b = await startBackstop({ policy: testPolicy({ executorArgv: ['true'] }), roles: { api: true, worker: false } });
    const deps = b.running.deps;
    refusals = createRefusalAudit({ write: (entries) => appendAuditBatch(deps.db, entries), logger: deps.logger, metrics: createApiRefusalMetrics(registry), clock });
    const app = createApp({
      ...deps,
      clock,
      authenticate: createAuthenticator(deps.config, deps.env.tokens),
      redis: { ping: async () => 'PONG' },
      metrics: registry,
      bodyLimit: 16_384,
      checkResponses: true,
      authBrake: createAuthBrake({ clock }),
      refusalAudit: refusals,
    });
    api = await listen(app, { hostname: '127.0.0.1', port: 0 });
    base = `http://127.0.0.1:${(api.server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await api?.close();
    await b?.close();
  });

  it('counts 200 refusals from one address, writes a bounded number of rows with a summary of the true count, and the chain stays intact', async () => {
    const from = '127.0.0.4';
    const stale = 'stale-token-7c1e0a';
    const statuses: number[] = [];
    for (let i = 0; i < 200; i++) {
      // No token, one stale token retried (never a guess: one distinct value), and a token without the role.
      const [method, path, auth] =
        i % 5 < 2 ? ['GET', '/api/rollbacks', undefined] : i % 5 < 4 ? ['GET', `/api/rollbacks/3f1c9a52-8d1e-4b7a-9c3e-2a6f0b1d4e5${i % 10}`, `Bearer ${stale}`] : ['POST', '/api/deployments', `Bearer ${TOKENS.viewer}`];
      statuses.push((await callFrom(from, base, method, path, auth)).status);
    }
    expect(statuses.filter((s) => s === 401)).toHaveLength(160);
    expect(statuses.filter((s) => s === 403)).toHaveLength(40);
    expect(await counter('backstop_api_refusals_total')).toEqual({ unauthorized: 160, forbidden: 40, rate_limited: 0 });

    // The window closes; the next refusal from the address brings its summary first.
    now += 61_000;
    expect((await callFrom(from, base, 'GET', '/api/rollbacks')).status).toBe(401);
    const rows = await waitFor('the summary row', async () => {
      const found = await q(`select action, actor, result, severity, reason, subject, chain, details from ops.audit_log where details->>'source' = $1 order by id`, [from]);
      return found.length >= 12 && found;
    });
    expect(rows).toHaveLength(12);
    expect(rows.map((r) => r.result)).toEqual([...rows.slice(0, 10).map((r) => r.result), 'summary', 'unauthorized']);
    expect(rows[10]).toMatchObject({
      action: 'api.refused',
      severity: 'warning',
      reason: `190 more refusals from ${from} in the last 61 s were not written one by one`,
      details: { count: 190, by_reason: { unauthorized: 152, forbidden: 38 } },
    });
    expect(rows[0]).toMatchObject({ action: 'api.refused', actor: 'anonymous', result: 'unauthorized', severity: 'warning', subject: null, chain: 0, reason: 'no token', details: { method: 'GET', route: '/api/rollbacks', source: from } });
    // The path template, not the path with its id; and never the token.
    expect(rows[2]).toMatchObject({ result: 'unauthorized', reason: 'the Authorization header holds no token backstop knows', details: { route: '/api/rollbacks/{event_id}' } });
    expect(rows[4]).toMatchObject({ actor: 'viewer', result: 'forbidden', reason: 'the token lacks the role (needs one of: deployer)', details: { method: 'POST', route: '/api/deployments', token: 'viewer' } });
    const everything = JSON.stringify(await q(`select * from ops.audit_log`));
    expect(everything).not.toContain(stale);
    expect(everything).not.toContain(TOKENS.viewer);
    expect(await verifyAuditChain(b.running.deps.db)).toMatchObject({ ok: true });
  });

  it('locks out an address after ten unknown tokens: 429 with Retry-After even for a valid token; other addresses go on; audited once', async () => {
    const guesser = '127.0.0.2';
    const neighbour = '127.0.0.3';
    for (let i = 0; i < 10; i++) expect((await callFrom(guesser, base, 'GET', '/api/rollbacks', `Bearer guess-${i}`)).status).toBe(401);
    const locked = await callFrom(guesser, base, 'GET', '/api/rollbacks', `Bearer ${TOKENS.viewer}`);
    expect(locked.status).toBe(429);
    expect(locked.headers['retry-after']).toBe('60');
    expect(locked.body.error).toMatchObject({ code: 'RATE_LIMITED' });
    expect(locked.body.error.message).toMatch(/try again in 60 s/);
    // Guessing on during the lockout: refused before the token is read, and no new lockout.
    for (let i = 10; i < 15; i++) expect((await callFrom(guesser, base, 'POST', '/api/deployments', `Bearer guess-${i}`)).status).toBe(429);
    // Public routes stay open to it, and a valid token from elsewhere is unaffected.
    expect((await callFrom(guesser, base, 'GET', '/health')).status).toBe(200);
    expect((await callFrom(neighbour, base, 'GET', '/api/rollbacks', `Bearer ${TOKENS.viewer}`)).status).toBe(200);

    now += 30_000;
    expect((await callFrom(guesser, base, 'GET', '/api/rollbacks', `Bearer ${TOKENS.viewer}`)).headers['retry-after']).toBe('30');
    now += 30_000;
    expect((await callFrom(guesser, base, 'GET', '/api/rollbacks', `Bearer ${TOKENS.viewer}`)).status).toBe(200);

    // Guessing again: the next lockout is twice as long.
    for (let i = 20; i < 30; i++) expect((await callFrom(guesser, base, 'GET', '/api/rollbacks', `Bearer guess-${i}`)).status).toBe(401);
    expect((await callFrom(guesser, base, 'GET', '/api/rollbacks', `Bearer ${TOKENS.viewer}`)).headers['retry-after']).toBe('120');

    await refusals.flush();
    const lockouts = await q(`select result, severity, reason, details from ops.audit_log where action = 'api.lockout' and details->>'source' = $1 order by id`, [guesser]);
    expect(lockouts).toEqual([
      expect.objectContaining({ result: 'locked_out', severity: 'warning', reason: `10 unknown tokens from ${guesser}: every call with a token from it is refused for 60 s`, details: expect.objectContaining({ failures: 10, lockout_seconds: 60, strike: 1 }) }),
      expect.objectContaining({ details: expect.objectContaining({ lockout_seconds: 120, strike: 2 }) }),
    ]);
    expect(await counter('backstop_api_auth_lockouts_total')).toEqual({ all: 2 });
    expect((await counter('backstop_api_refusals_total')).rate_limited).toBe(8);
    expect(await verifyAuditChain(b.running.deps.db)).toMatchObject({ ok: true });
  });

  it('is wired into the API that roles.ts builds: a 401 there is audited and counted', async () => {
    expect((await b.api('GET', '/api/rollbacks/history', null)).status).toBe(401);
    await waitFor('the refusal row', async () => (await q(`select 1 from ops.audit_log where action = 'api.refused' and details->>'route' = '/api/rollbacks/history'`)).length === 1);
    const metrics = await (await fetch(`${b.url}/metrics`)).text();
    expect(metrics).toMatch(/^backstop_api_refusals_total\{reason="unauthorized"\} [1-9]/m);
    expect(metrics).toMatch(/^backstop_api_refusals_total\{reason="rate_limited"\} 0$/m);
    expect(metrics).toMatch(/^backstop_api_auth_lockouts_total 0$/m);
  });
});

import { generateKeyPairSync } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createProtectionRuleAnswerer, fitComment, MAX_COMMENT_LENGTH, type ProtectionRuleAnswererConfig } from '../../src/github/answer-protection-rule.ts';
import { createAppJwt, loadAppPrivateKey } from '../../src/github/app-jwt.ts';
import { createInstallationTokens } from '../../src/github/installation-token.ts';
import { parseProtectionRuleEvent, type ProtectionRuleEvent } from '../../src/github/protection-rule-event.ts';
import { verifyGithubSignature } from '../../src/github/webhook-signature.ts';
import { createLogger } from '../../src/logging/logger.ts';
import { startFakeGithub, type FakeGithub, type ProtectionRuleDelivery } from '../support/fake-github.ts';

// The GitHub side of a custom deployment protection rule, over real HTTP against the fake GitHub: the signed event
// arrives at a receiver that verifies and parses it, the App gets an installation token with its JWT, and the answer
// goes back to the run's deployment_protection_rule endpoint.

const APP_ID = 313_370;
const INSTALLATION = 4242;
const WEBHOOK_SECRET = 'whsec-3b1f0c5e-protection-rule';
const SHA = '6dcb09b5b57875f334f61aebed695e2e4193db5e';
// GitHub hands out PKCS#1 PEM keys.
const keys = generateKeyPairSync('rsa', { modulusLength: 2048, publicKeyEncoding: { type: 'spki', format: 'pem' }, privateKeyEncoding: { type: 'pkcs1', format: 'pem' } });
const otherKeys = generateKeyPairSync('rsa', { modulusLength: 2048, publicKeyEncoding: { type: 'spki', format: 'pem' }, privateKeyEncoding: { type: 'pkcs8', format: 'pem' } });

const loaded = loadAppPrivateKey(keys.privateKey);
if (!loaded.ok) throw new Error(loaded.problem);
const privateKey = loaded.key;

async function listen(handler: Parameters<typeof createServer>[1]): Promise<{ server: Server; url: string }> {
  const server = createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}
const closeServer = (server: Server) => {
  server.closeAllConnections();
  return new Promise<void>((r) => server.close(() => r()));
};

describe('GitHub App: deployment protection rule (a local fake GitHub)', () => {
  let gh: FakeGithub;
  let receiver: { server: Server; url: string };
  /** Another host: nothing may ever reach it. */
  let elsewhere: { server: Server; url: string };
  const elsewhereHits: string[] = [];
  const received: { event: ProtectionRuleEvent; headers: IncomingHttpHeaders }[] = [];
  let nowMs = Date.now();
  const clock = () => new Date(nowMs);
  const waits: number[] = [];
  const logs: string[] = [];
  const logger = createLogger({ level: 'debug', destination: { write: (line: string) => void logs.push(line) } });

  beforeAll(async () => {
    gh = await startFakeGithub({
      app: { id: APP_ID, publicKey: keys.publicKey, installations: { [INSTALLATION]: ['acme/payments'], 777: ['acme/ledger'] }, now: () => nowMs },
    });
    // What the HTTP route will do: verify the raw body's signature, then parse it.
    receiver = await listen((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const raw = Buffer.concat(chunks);
        if (!verifyGithubSignature(WEBHOOK_SECRET, raw, req.headers['x-hub-signature-256'] as string | undefined)) return void res.writeHead(401).end('bad signature');
        const parsed = parseProtectionRuleEvent(raw);
        if (!parsed.ok) return void res.writeHead(parsed.kind === 'unsupported' ? 202 : 400).end(parsed.problem);
        received.push({ event: parsed.event, headers: req.headers });
        res.writeHead(202).end('accepted');
      });
    });
    elsewhere = await listen((req, res) => {
      elsewhereHits.push(`${req.method} ${req.url} ${String(req.headers.authorization ?? '')}`);
      res.writeHead(204).end();
    });
  });
  afterAll(async () => {
    await gh.close();
    await closeServer(receiver.server);
    await closeServer(elsewhere.server);
    // No token, whatever happened, reached the logs.
    for (const t of gh.issuedTokens) expect(logs.join('\n')).not.toContain(t.token);
  });
  beforeEach(() => {
    gh.reset();
    nowMs = Date.now();
    waits.length = 0;
    received.length = 0;
  });

  function make(config: Partial<ProtectionRuleAnswererConfig> = {}, apiUrl = gh.url) {
    const tokens = createInstallationTokens({ appId: APP_ID, privateKey, apiUrl }, { fetch: globalThis.fetch, clock, logger });
    const answer = createProtectionRuleAnswerer(
      { apiUrl, ...config },
      // Waits are recorded, not slept: the test reads what was asked for.
      { tokens, fetch: globalThis.fetch, sleep: async (ms) => void waits.push(ms), clock, logger },
    );
    return { tokens, answer };
  }

  type Delivery = Omit<ProtectionRuleDelivery, 'url' | 'secret' | 'repository' | 'environment' | 'runId' | 'sha' | 'ref' | 'installationId'> & Partial<ProtectionRuleDelivery>;
  const delivery = (over: Delivery = {}): ProtectionRuleDelivery => ({
    url: receiver.url,
    secret: WEBHOOK_SECRET,
    repository: 'acme/payments',
    environment: 'production',
    runId: 9_100_000_001,
    sha: SHA,
    ref: 'main',
    installationId: INSTALLATION,
    ...over,
  });

  /** Delivers an event through the receiver and returns it as the route would hand it over. */
  async function deliver(over: Delivery = {}, fake = gh): Promise<ProtectionRuleEvent> {
    const sent = await fake.sendProtectionRuleEvent(delivery(over));
    expect(sent.status, sent.body).toBe(202);
    return received.at(-1)!.event;
  }

  const tokenRequests = () => gh.requests.filter((r) => r.path.endsWith('/access_tokens')).length;

  describe('the webhook delivery', () => {
    it('arrives with GitHub’s headers, verifies and parses', async () => {
      const sent = await gh.sendProtectionRuleEvent(delivery());
      expect(sent).toMatchObject({ status: 202, body: 'accepted' });
      const [{ event, headers }] = received as [(typeof received)[number]];
      expect(headers).toMatchObject({
        'x-github-event': 'deployment_protection_rule',
        'x-github-delivery': sent.deliveryId,
        'x-github-hook-id': expect.stringMatching(/^\d+$/),
        'x-github-hook-installation-target-id': String(APP_ID),
        'content-type': 'application/json',
        'user-agent': expect.stringMatching(/^GitHub-Hookshot\/[0-9a-f]+$/),
        'x-hub-signature-256': expect.stringMatching(/^sha256=[0-9a-f]{64}$/),
      });
      expect(sent.deliveryId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
      expect(event).toMatchObject({
        action: 'requested',
        environment: 'production',
        sha: SHA,
        ref: 'main',
        installation: { id: INSTALLATION },
        repository: { full_name: 'acme/payments' },
        deployment_callback_url: `${gh.url}/repos/acme/payments/actions/runs/9100000001/deployment_protection_rule`,
      });
    });

    it('is refused with a wrong or a missing signature', async () => {
      expect(await gh.sendProtectionRuleEvent(delivery({ signature: 'wrong' }))).toMatchObject({ status: 401, body: 'bad signature' });
      expect(await gh.sendProtectionRuleEvent(delivery({ signature: 'missing' }))).toMatchObject({ status: 401 });
      expect(await gh.sendProtectionRuleEvent(delivery({ secret: 'another secret' }))).toMatchObject({ status: 401 });
      expect(received).toEqual([]);
    });
  });

  describe('the App JWT and installation tokens', () => {
    const askToken = (jwt: string, installation = INSTALLATION) =>
      fetch(`${gh.url}/app/installations/${installation}/access_tokens`, { method: 'POST', headers: { authorization: `Bearer ${jwt}`, accept: 'application/vnd.github+json' } });

    it('the JWT is RS256 with iat 60 s back and exp within 10 minutes, and the fake accepts it', async () => {
      const { jwt, expiresAt } = createAppJwt(APP_ID, privateKey, clock());
      const [header, claims] = jwt.split('.').slice(0, 2).map((p) => JSON.parse(Buffer.from(p, 'base64url').toString()) as Record<string, unknown>);
      const nowS = Math.floor(nowMs / 1000);
      expect(header).toEqual({ alg: 'RS256', typ: 'JWT' });
      expect(claims).toEqual({ iat: nowS - 60, exp: nowS + 540, iss: String(APP_ID) });
      expect(expiresAt.getTime()).toBe((nowS + 540) * 1000);

      const res = await askToken(jwt);
      expect(res.status).toBe(201);
      const body = (await res.json()) as { token: string; expires_at: string };
      expect(body.token).toMatch(/^ghs_/);
      expect(Date.parse(body.expires_at)).toBeGreaterThan(nowMs + 59 * 60_000);
    });

    it.each([
      ['signed by another key', () => createAppJwt(APP_ID, loadKey(otherKeys.privateKey), clock()).jwt, 401, 'could not be decoded'],
      ['for another app', () => createAppJwt(APP_ID + 1, privateKey, clock()).jwt, 401, 'Integration not found'],
      ['issued in the future (a fast clock)', () => createAppJwt(APP_ID, privateKey, new Date(nowMs + 120_000)).jwt, 401, "'Issued at' claim"],
      ['expired (a slow clock)', () => createAppJwt(APP_ID, privateKey, new Date(nowMs - 600_000)).jwt, 401, "'Expiration time' claim"],
      ['not a JWT', () => 'ghp_not-a-jwt', 401, 'could not be decoded'],
    ])('the fake refuses a JWT %s', async (_what, jwt, status, message) => {
      const res = await askToken(jwt());
      expect(res.status).toBe(status);
      expect(((await res.json()) as { message: string }).message).toContain(message);
    });

    it('the fake refuses a JWT whose exp is more than 10 minutes ahead', async () => {
      const claims = Buffer.from(JSON.stringify({ iat: Math.floor(nowMs / 1000) - 60, exp: Math.floor(nowMs / 1000) + 660, iss: String(APP_ID) })).toString('base64url');
      const { jwt } = createAppJwt(APP_ID, privateKey, clock());
      const [head] = jwt.split('.');
      const { sign } = await import('node:crypto');
      const forged = `${head}.${claims}.${sign('sha256', Buffer.from(`${head}.${claims}`), privateKey).toString('base64url')}`;
      const res = await askToken(forged);
      expect(res.status).toBe(401);
      expect(((await res.json()) as { message: string }).message).toBe("'Expiration time' claim ('exp') is too far in the future");
    });

    it('keeps a token and reuses it, one request for callers asking at once', async () => {
      const { tokens } = make();
      const [a, b] = await Promise.all([tokens.get(INSTALLATION), tokens.get(INSTALLATION)]);
      const c = await tokens.get(INSTALLATION);
      expect(a).toMatchObject({ ok: true });
      expect(b).toEqual(a);
      expect(c).toEqual(a);
      expect(tokenRequests()).toBe(1);
      expect(gh.issuedTokens).toHaveLength(1);
      const req = gh.requests.find((r) => r.path.endsWith('/access_tokens'))!;
      expect(req).toMatchObject({ method: 'POST', path: `/app/installations/${INSTALLATION}/access_tokens` });
      expect(req.headers).toMatchObject({ accept: 'application/vnd.github+json', 'x-github-api-version': '2022-11-28', authorization: expect.stringMatching(/^Bearer [\w-]+\.[\w-]+\.[\w-]+$/) });
    });

    it('renews a token shortly before it expires', async () => {
      const { tokens } = make();
      const first = await tokens.get(INSTALLATION);
      nowMs += 50 * 60_000;
      expect(await tokens.get(INSTALLATION)).toEqual(first);
      // Within five minutes of its expiry (an hour after issue) it is renewed, with a JWT made on the moved clock.
      nowMs += 6 * 60_000;
      const second = await tokens.get(INSTALLATION);
      expect(second.ok && first.ok && second.token !== first.token).toBe(true);
      expect(gh.issuedTokens).toHaveLength(2);
    });

    it('keeps one token per installation', async () => {
      const { tokens } = make();
      await tokens.get(INSTALLATION);
      await tokens.get(777);
      await tokens.get(INSTALLATION);
      expect(gh.issuedTokens.map((t) => t.installationId)).toEqual([INSTALLATION, 777]);
    });

    it('an installation GitHub does not know is a final failure that says what to check', async () => {
      const { tokens } = make();
      expect(await tokens.get(999)).toEqual({
        ok: false,
        retryable: false,
        status: 404,
        problem: `cannot get an installation token for installation 999: GitHub knows no installation 999 of app ${APP_ID} (404): is the App installed there? (GitHub said: Not Found)`,
      });
    });
  });

  describe('the answer', () => {
    it('approves: POSTs environment_name, state and comment with the installation token; GitHub answers 204', async () => {
      const event = await deliver();
      const outcome = await make().answer(event, { state: 'approved', comment: 'backstop: **healthy** for 30 min' });
      expect(outcome).toEqual({ outcome: 'answered', status: 204, attempts: 1, runId: 9_100_000_001 });
      expect(gh.protectionRuleAnswers).toHaveLength(1);
      const [a] = gh.protectionRuleAnswers;
      expect(a).toMatchObject({
        owner: 'acme',
        repo: 'payments',
        runId: 9_100_000_001,
        installationId: INSTALLATION,
        body: { environment_name: 'production', state: 'approved', comment: 'backstop: **healthy** for 30 min' },
      });
      expect(a!.headers).toMatchObject({ authorization: `Bearer ${gh.issuedTokens[0]!.token}`, 'content-type': 'application/json', 'x-github-api-version': '2022-11-28' });
      expect(waits).toEqual([]);
    });

    it('rejects, with a comment cut to GitHub’s 1024 characters', async () => {
      const event = await deliver();
      const outcome = await make().answer(event, { state: 'rejected', comment: `frozen: ${'x'.repeat(5000)}` });
      expect(outcome).toMatchObject({ outcome: 'answered' });
      const comment = gh.protectionRuleAnswers[0]!.body.comment!;
      expect(comment).toHaveLength(MAX_COMMENT_LENGTH);
      expect(comment.endsWith('…')).toBe(true);
      expect(gh.protectionRuleAnswers[0]!.body.state).toBe('rejected');
    });

    it('sends a status report (a comment without a state), which leaves the rule pending', async () => {
      const event = await deliver();
      const outcome = await make().answer(event, { comment: 'backstop: frozen until 18:00 UTC' });
      expect(outcome).toMatchObject({ outcome: 'answered', status: 204 });
      expect(gh.protectionRuleAnswers[0]!.body).toEqual({ environment_name: 'production', comment: 'backstop: frozen until 18:00 UTC' });
    });

    it('retries a 502 with backoff, then succeeds', async () => {
      const event = await deliver();
      gh.failNextCallbacks(2, 502);
      const outcome = await make().answer(event, { state: 'approved', comment: 'ok' });
      expect(outcome).toMatchObject({ outcome: 'answered', attempts: 3 });
      expect(waits).toEqual([1_000, 2_000]);
      expect(gh.protectionRuleAnswers).toHaveLength(1);
      // The token is reused across the tries.
      expect(gh.issuedTokens).toHaveLength(1);
    });

    it('honours a 429’s Retry-After', async () => {
      const event = await deliver();
      gh.failNextCallbacks(1, 429, { 'retry-after': '7' });
      const outcome = await make().answer(event, { state: 'approved', comment: 'ok' });
      expect(outcome).toMatchObject({ outcome: 'answered', attempts: 2 });
      expect(waits).toEqual([7_000]);
    });

    it('waits for the reset of a spent primary rate limit (403, x-ratelimit-remaining: 0)', async () => {
      const event = await deliver();
      gh.failNextCallbacks(1, 403, { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(Math.floor(nowMs / 1000) + 30) });
      const outcome = await make().answer(event, { state: 'approved', comment: 'ok' });
      expect(outcome).toMatchObject({ outcome: 'answered', attempts: 2 });
      expect(waits).toHaveLength(1);
      expect(waits[0]).toBeGreaterThan(29_000);
      expect(waits[0]).toBeLessThanOrEqual(30_000);
    });

    it('does not wait out a Retry-After beyond the cap: fails retryable at once', async () => {
      const event = await deliver();
      gh.failNextCallbacks(1, 429, { 'retry-after': '3600' });
      const outcome = await make({ maxRateLimitWaitMs: 60_000 }).answer(event, { state: 'approved', comment: 'ok' });
      expect(outcome).toEqual({
        outcome: 'failed',
        status: 429,
        retryable: true,
        attempts: 1,
        reason: 'GitHub rate limited the answer (429: You have exceeded a secondary rate limit. Please wait a few minutes before you try again.) and asks to wait 3600s',
      });
      expect(waits).toEqual([]);
    });

    it('gives up after the bounded tries when GitHub stays down, reporting the last status', async () => {
      const event = await deliver();
      gh.failNextCallbacks(10, 503);
      const outcome = await make({ attempts: 3 }).answer(event, { state: 'approved', comment: 'ok' });
      expect(outcome).toEqual({ outcome: 'failed', status: 503, retryable: true, attempts: 3, reason: 'GitHub answered 503: Server Error (after 3 tries)' });
      expect(waits).toEqual([1_000, 2_000]);
      expect(gh.protectionRuleAnswers).toEqual([]);
    });

    it('takes a 422 as final: no retry', async () => {
      const event = await deliver();
      gh.failNextCallbacks(1, 422);
      const outcome = await make().answer(event, { state: 'approved', comment: 'ok' });
      expect(outcome).toEqual({
        outcome: 'failed',
        status: 422,
        retryable: false,
        attempts: 1,
        reason: 'GitHub refused the answer (422: Validation Failed): the run may no longer be waiting on this rule',
      });
      expect(waits).toEqual([]);
    });

    it('says a 422 after a lost try may be GitHub seeing the answer twice', async () => {
      const event = await deliver();
      gh.failNextCallbacks(1, 502);
      const tokens = createInstallationTokens({ appId: APP_ID, privateKey, apiUrl: gh.url }, { fetch: globalThis.fetch, clock, logger });
      // While backing off after the 502, the run stops waiting: the retry is refused.
      const sleep = async (ms: number) => {
        waits.push(ms);
        gh.failNextCallbacks(1, 422);
      };
      const outcome = await createProtectionRuleAnswerer({ apiUrl: gh.url }, { tokens, fetch: globalThis.fetch, sleep, clock, logger })(event, { state: 'approved', comment: 'ok' });
      expect(outcome).toMatchObject({ outcome: 'failed', status: 422, retryable: false, attempts: 2, reason: expect.stringMatching(/\(an earlier try may have been recorded\)$/) });
    });

    it('a fake given a body GitHub would refuse answers 422', async () => {
      const { tokens } = make();
      const token = await tokens.get(INSTALLATION);
      if (!token.ok) throw new Error(token.problem);
      const post = (body: unknown) =>
        fetch(`${gh.url}/repos/acme/payments/actions/runs/1/deployment_protection_rule`, { method: 'POST', headers: { authorization: `Bearer ${token.token}` }, body: JSON.stringify(body) });
      expect((await post({ environment_name: 'production', state: 'maybe' })).status).toBe(422);
      expect((await post({ state: 'approved' })).status).toBe(422);
      expect((await post({ environment_name: 'production' })).status).toBe(422);
      expect((await post({ environment_name: 'production', comment: 'y'.repeat(1025) })).status).toBe(422);
      // A status report: a comment without a state.
      expect((await post({ environment_name: 'production', comment: 'checking health' })).status).toBe(204);
      // The token of an installation without the repository gets GitHub's 404.
      const other = await tokens.get(777);
      if (!other.ok) throw new Error(other.problem);
      const res = await fetch(`${gh.url}/repos/acme/payments/actions/runs/1/deployment_protection_rule`, {
        method: 'POST',
        headers: { authorization: `Bearer ${other.token}` },
        body: JSON.stringify({ environment_name: 'production', state: 'approved' }),
      });
      expect(res.status).toBe(404);
    });

    it('on a 401, drops the kept token and retries once with a fresh one', async () => {
      const event = await deliver();
      const { answer, tokens } = make();
      await tokens.get(INSTALLATION);
      gh.revokeTokens();
      const outcome = await answer(event, { state: 'approved', comment: 'ok' });
      expect(outcome).toMatchObject({ outcome: 'answered', attempts: 1 });
      expect(gh.issuedTokens).toHaveLength(2);
      expect(gh.protectionRuleAnswers[0]!.headers.authorization).toBe(`Bearer ${gh.issuedTokens[1]!.token}`);
    });

    it('a second 401 is final', async () => {
      const event = await deliver();
      gh.failNextCallbacks(2, 401);
      const outcome = await make().answer(event, { state: 'approved', comment: 'ok' });
      expect(outcome).toMatchObject({ outcome: 'failed', status: 401, retryable: false, reason: 'GitHub rejected a fresh installation token too (401: Bad credentials)' });
      expect(gh.issuedTokens).toHaveLength(2);
      expect(waits).toEqual([]);
    });

    it('retries an answer that timed out', async () => {
      const event = await deliver();
      const tokens = createInstallationTokens({ appId: APP_ID, privateKey, apiUrl: gh.url }, { fetch: globalThis.fetch, clock, logger });
      await tokens.get(INSTALLATION);
      gh.setStalled(true);
      const answer = createProtectionRuleAnswerer(
        { apiUrl: gh.url, requestTimeoutMs: 200 },
        {
          tokens,
          fetch: globalThis.fetch,
          clock,
          logger,
          sleep: async (ms) => {
            waits.push(ms);
            gh.setStalled(false);
          },
        },
      );
      const outcome = await answer(event, { state: 'approved', comment: 'ok' });
      expect(outcome).toMatchObject({ outcome: 'answered', attempts: 2 });
      expect(waits).toEqual([1_000]);
    });

    it('fails, not retrying, when the App is not installed on the event’s installation', async () => {
      const event = await deliver({ installationId: 999 });
      const outcome = await make().answer(event, { state: 'approved', comment: 'ok' });
      expect(outcome).toMatchObject({ outcome: 'failed', status: 404, retryable: false, attempts: 1 });
      expect(waits).toEqual([]);
    });

    it('refuses a callback URL on another host, sending nothing anywhere', async () => {
      const event = await deliver({ callbackUrl: `${elsewhere.url}/repos/acme/payments/actions/runs/9100000001/deployment_protection_rule` });
      const before = gh.requests.length;
      const outcome = await make().answer(event, { state: 'approved', comment: 'ok' });
      expect(outcome).toEqual({
        outcome: 'refused',
        reason: `refusing deployment_callback_url ${elsewhere.url}/repos/acme/payments/actions/runs/9100000001/deployment_protection_rule: it is not on the configured GitHub API ${gh.url}`,
      });
      expect(elsewhereHits).toEqual([]);
      // Not even a token was asked for.
      expect(gh.requests.length).toBe(before);
    });

    it('refuses a callback URL for another repository than the event’s', async () => {
      const event = await deliver({ callbackUrl: `${gh.url}/repos/acme/ledger/actions/runs/9100000001/deployment_protection_rule` });
      const before = gh.requests.length;
      const outcome = await make().answer(event, { state: 'approved', comment: 'ok' });
      expect(outcome).toMatchObject({ outcome: 'refused', reason: expect.stringContaining("it is for acme/ledger, not the event's repository acme/payments") });
      expect(gh.requests.length).toBe(before);
      expect(gh.protectionRuleAnswers).toEqual([]);
    });

    it('works against GitHub Enterprise Server’s /api/v3 base', async () => {
      const ghes = await startFakeGithub({ basePath: '/api/v3', app: { id: APP_ID, publicKey: keys.publicKey, installations: { [INSTALLATION]: ['acme/payments'] }, now: () => nowMs } });
      try {
        expect(ghes.url).toMatch(/\/api\/v3$/);
        const event = await deliver({}, ghes);
        expect(event.deployment_callback_url).toBe(`${ghes.url}/repos/acme/payments/actions/runs/9100000001/deployment_protection_rule`);
        const outcome = await make({}, ghes.url).answer(event, { state: 'approved', comment: 'ok' });
        expect(outcome).toMatchObject({ outcome: 'answered' });
        expect(ghes.requests.map((r) => r.path)).toEqual([`/api/v3/app/installations/${INSTALLATION}/access_tokens`, '/api/v3/repos/acme/payments/actions/runs/9100000001/deployment_protection_rule']);
        // The same host outside the API prefix is refused.
        const outside = await deliver({ callbackUrl: `${new URL(ghes.url).origin}/repos/acme/payments/actions/runs/1/deployment_protection_rule` }, ghes);
        expect(await make({}, ghes.url).answer(outside, { state: 'approved', comment: 'ok' })).toMatchObject({ outcome: 'refused' });
      } finally {
        await ghes.close();
      }
    });
  });

  it('fitComment never splits a surrogate pair', () => {
    const emoji = '🚀'.repeat(600); // 1200 UTF-16 units
    const fitted = fitComment(emoji);
    expect(fitted.length).toBeLessThanOrEqual(MAX_COMMENT_LENGTH);
    expect(fitted.endsWith('🚀…')).toBe(true);
    expect(fitComment('short')).toBe('short');
  });
});

function loadKey(pem: string) {
  const k = loadAppPrivateKey(pem);
  if (!k.ok) throw new Error(k.problem);
  return k.key;
}

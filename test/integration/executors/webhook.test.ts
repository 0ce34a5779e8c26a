import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WebhookExecutorConfig } from '../../../src/config/schema.ts';
import { createWebhookExecutor } from '../../../src/executors/webhook.ts';
import { verifyWebhookSignature } from '../../../src/executors/webhook-signature.ts';
import { createLogger } from '../../../src/logging/logger.ts';
import { executionRequest } from '../../support/execution-request.ts';

const SECRET = 'hmac-secret-value';
type Handler = (req: IncomingMessage, body: string, res: ServerResponse) => void;

describe('webhook executor (a real local HTTP receiver)', () => {
  let server: Server;
  let base: string;
  let handler: Handler;
  const received: Array<{ method: string; url: string; headers: IncomingMessage['headers']; body: string }> = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        received.push({ method: req.method!, url: req.url!, headers: req.headers, body });
        handler(req, body, res);
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  // The executor's own retry and poll pacing, capped so a test takes milliseconds (not a test pause).
  const make = (over: Partial<WebhookExecutorConfig> = {}, secret: string | null = SECRET) =>
    createWebhookExecutor(
      { kind: 'webhook', url: `${base}/rollback`, secret_env: 'HOOK_SECRET', timeout: 2_000, retries: 3, poll_interval: 20, poll_timeout: 300, ...over },
      { logger: createLogger({ level: 'silent' }), secret: (n) => (n === "HOOK_SECRET" && secret !== null ? secret : undefined), sleep: (ms) => new Promise((r) => setTimeout(r, Math.min(ms, 20))) },
    );
  const json = (res: ServerResponse, status: number, body: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));

  it('signs the body, sends the event id as idempotency key, and succeeds on 200', async () => {
    received.length = 0;
    handler = (_req, _body, res) => json(res, 200, { status: 'succeeded' });
    const req = executionRequest();
    expect(await make().execute(req)).toMatchObject({ ok: true });
    const [hit] = received;
    expect(hit!.headers['idempotency-key']).toBe(req.eventId);
    const ts = Number(hit!.headers['x-backstop-timestamp']);
    expect(verifyWebhookSignature(SECRET, ts, hit!.body, String(hit!.headers['x-backstop-signature']))).toBe(true);
    expect(verifyWebhookSignature('wrong', ts, hit!.body, String(hit!.headers['x-backstop-signature']))).toBe(false);
    expect(JSON.parse(hit!.body)).toMatchObject({ event_id: req.eventId, target: { version: 'v2.5.2', git_commit: 'a7f3b29' } });
    expect(hit!.body).not.toContain(SECRET);
  });

  it('retries a 503 and then succeeds', async () => {
    received.length = 0;
    let calls = 0;
    handler = (_req, _body, res) => (++calls < 3 ? json(res, 503, { error: 'busy' }) : json(res, 200, {}));
    expect(await make().execute(executionRequest())).toMatchObject({ ok: true });
    expect(received).toHaveLength(3);
    expect(new Set(received.map((r) => r.headers['idempotency-key'])).size).toBe(1);
  });

  it('does not retry a 422 and names the status', async () => {
    received.length = 0;
    handler = (_req, _body, res) => json(res, 422, { error: 'unknown version v2.5.2' });
    expect(await make().execute(executionRequest())).toEqual({ ok: false, retryable: false, reason: 'webhook answered 422: {"error":"unknown version v2.5.2"}' });
    expect(received).toHaveLength(1);
  });

  it('gives up on persistent 5xx as retryable', async () => {
    handler = (_req, _body, res) => json(res, 500, {});
    expect(await make({ retries: 1 }).execute(executionRequest())).toMatchObject({ ok: false, retryable: true, reason: expect.stringMatching(/500.*after 2 attempts/) });
  });

  it('polls a 202 status_url until the rollback succeeds, reporting each status', async () => {
    let polls = 0;
    handler = (req, _body, res) => {
      if (req.method === 'POST') return json(res, 202, { status: 'accepted', status_url: `${base}/status/1` });
      polls++;
      return json(res, 200, { status: polls < 3 ? 'running' : 'succeeded' });
    };
    const req = executionRequest();
    expect(await make().execute(req)).toMatchObject({ ok: true, summary: 'webhook reports succeeded' });
    expect(req.lines).toEqual(expect.arrayContaining(['webhook status: running', 'webhook status: succeeded']));
  });

  it('times out a status that never finishes', async () => {
    handler = (req, _body, res) => (req.method === 'POST' ? json(res, 202, { status_url: `${base}/status/2` }) : json(res, 200, { status: 'running' }));
    expect(await make().execute(executionRequest())).toMatchObject({ ok: false, retryable: false, reason: expect.stringMatching(/did not finish within/) });
  });

  it('refuses to run without its secret', async () => {
    expect(await make({}, null).execute(executionRequest())).toEqual({ ok: false, retryable: false, reason: 'webhook secret env HOOK_SECRET is not set' });
  });
});

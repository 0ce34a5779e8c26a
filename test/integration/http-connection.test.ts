import { Agent, request, type IncomingHttpHeaders } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBackstop, testPolicy, TOKENS, type Backstop } from '../support/harness.ts';

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: any;
}

/** One request over `agent`; resolves once the whole answer has arrived, rejects on any error before that. */
function send(agent: Agent, url: string, method: string, body?: string | Buffer): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent, method, headers: { authorization: `Bearer ${TOKENS.ci}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let parsed: unknown = text;
        try {
          parsed = JSON.parse(text);
        } catch {
          // keep text
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: parsed });
      });
    });
    // An error after the whole answer arrived (the server closing while the rest of an oversized body is still being
    // written) settles nothing: the promise has already resolved.
    req.on('error', reject);
    req.end(body);
  });
}

describe('HTTP connections', () => {
  let b: Backstop;
  let agent: Agent;
  beforeAll(async () => {
    b = await startBackstop({ policy: testPolicy({ executorArgv: ['true'] }), roles: { api: true, worker: false } });
  });
  afterAll(async () => {
    agent?.destroy();
    await b?.close();
  });

  it('closes the connection after a 413, so the next request on a kept-alive agent gets a fresh one instead of ECONNRESET', async () => {
    agent = new Agent({ keepAlive: true, maxSockets: 1 });
    // Past the test policy's body_limit (16384) and more than one socket read, so the server answers before it has
    // read the body; small enough that the client finishes writing it and puts the socket back in the pool.
    const oversized = JSON.stringify({ service: 'payments', environment: 'staging', version: 'v1', git_commit: 'abc1234', metadata: { pad: 'x'.repeat(256 * 1024) } });
    const tooLarge = await send(agent, `${b.url}/api/deployments`, 'POST', oversized);
    expect(tooLarge.status).toBe(413);
    expect(tooLarge.body).toEqual({ error: { code: 'PAYLOAD_TOO_LARGE', message: 'the body is larger than 16384 bytes' } });
    expect(tooLarge.headers.connection).toBe('close');

    const next = await send(agent, `${b.url}/api/deployments`, 'POST', JSON.stringify({ service: 'payments', environment: 'staging', version: 'v2', git_commit: 'abc1234' }));
    expect(next.status, JSON.stringify(next.body)).toBe(201);
    expect(next.body.deployment_id).toEqual(expect.any(String));
  });

  it('announces a keep-alive longer than a load balancer keeps its idle connections, so the proxy lets go first', async () => {
    agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const res = await send(agent, `${b.url}/health`, 'GET');
    // AWS ALB holds idle connections for 60 s; Node's own default is 5 s, which makes a proxy reuse a closing one.
    const timeout = Number(/timeout=(\d+)/.exec(String(res.headers['keep-alive']))?.[1]);
    expect(timeout).toBeGreaterThan(60);
  });
});

describe('HTTP shutdown', () => {
  it('answers the request in flight and stops at once, though that kept-alive connection goes idle after shutdown began', async () => {
    const b = await startBackstop({ policy: testPolicy({ executorArgv: ['true'] }), roles: { api: true, worker: false } });
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      // 100-continue tells us the server has the request's headers, so the connection is busy, not idle, when close()
      // begins; it goes idle only after the answer. Without the sweep, shutdown would wait out the keep-alive timeout.
      const answer = new Promise<number>((resolve, reject) => {
        const req = request(`${b.url}/api/deployments`, { agent, method: 'POST', headers: { authorization: `Bearer ${TOKENS.ci}`, 'content-type': 'application/json', expect: '100-continue' } }, (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        });
        req.on('error', reject);
        req.on('continue', () => {
          closing = b.close();
          req.end(JSON.stringify({ service: 'payments', environment: 'staging', version: 'v9', git_commit: 'abc1234' }));
        });
      });
      let closing: Promise<void> | undefined;
      expect(await answer).toBe(201);
      await closing;
    } finally {
      agent.destroy();
    }
  }, 30_000);
});

describe('listening', () => {
  it('refuses a port that is already taken with a sentence naming it, not a crash', async () => {
    const { listen } = await import('../../src/http/listen.ts');
    const first = await listen({ fetch: () => new Response('first') }, { hostname: '127.0.0.1', port: 0 });
    try {
      const port = (first.server.address() as { port: number }).port;
      await expect(listen({ fetch: () => new Response('second') }, { hostname: '127.0.0.1', port })).rejects.toThrow(`cannot listen on 127.0.0.1:${port}: the port is already in use`);
    } finally {
      await first.close();
    }
  });
});

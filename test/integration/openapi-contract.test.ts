import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { contractBreach, checkResponses } from '../../src/http/check-response.ts';
import { failure } from '../../src/http/responses.ts';
import { defineRoute } from '../../src/http/route.ts';
import { createLogger } from '../../src/logging/logger.ts';
import { captureLogs } from '../support/log-capture.ts';

// The contract check that the test support turns on for every API test: here, what it catches, shown on responses
// that break a declaration on purpose (the real routes keep theirs, so they never show it).
const responses = {
  200: { description: 'a thing', schema: z.object({ name: z.string(), tags: z.array(z.object({ key: z.string() })) }) },
  404: failure('no such thing'),
};
const metrics = { 200: { description: 'text', schema: z.string(), contentType: 'text/plain' } };

const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
const text = (status: number, body: string) => new Response(body, { status, headers: { 'content-type': 'text/plain; version=0.0.4' } });

describe('the response contract check', () => {
  it.each([
    ['a declared status and body', responses, json(200, { name: 'a', tags: [{ key: 'k' }] }), null],
    ['the shared error body', responses, json(404, { error: { code: 'NOT_FOUND', message: 'gone' } }), null],
    ['a declared text body', metrics, text(200, '# HELP x\n'), null],
    ['an undeclared status', responses, json(201, { name: 'a', tags: [] }), 'status 201 is not declared (declared: 200, 404)'],
    ['a field of the wrong type', responses, json(200, { name: 1, tags: [] }), 'name: expected a string'],
    ['a missing field', responses, json(200, { name: 'a' }), 'tags: required: expected an array'],
    ['a field the schema does not declare', responses, json(200, { name: 'a', tags: [], color: 'red' }), 'color: a field the schema does not declare'],
    ['an undeclared field deep down', responses, json(200, { name: 'a', tags: [{ key: 'k', value: 'v' }] }), 'tags[0].value: a field the schema does not declare'],
    ['details on an error that has none declared', responses, json(404, { error: { code: 'NOT_FOUND', message: 'gone', hint: 'x' } }), 'error.hint: a field the schema does not declare'],
    ['text where JSON is declared', responses, text(200, 'hello'), 'the body is sent as "text/plain; version=0.0.4", declared as application/json'],
    ['JSON where text is declared', metrics, json(200, 'hello'), 'the body is sent as "application/json", declared as text/plain'],
    ['a body that is not JSON', responses, new Response('{', { status: 200, headers: { 'content-type': 'application/json' } }), 'the body is not JSON'],
  ] as const)('%s', async (_name, declared, res, expected) => {
    expect(await contractBreach(declared, res)).toBe(expected);
  });

  it("turns a response that breaks its route's declaration into a 500 and an error line naming route, status and problem", async () => {
    const capture = captureLogs('silent', 'error');
    const logger = createLogger({ level: capture.level, name: 'contract-test', destination: capture.destination });
    const route = defineRoute({
      method: 'post',
      path: '/api/things',
      operationId: 'createThing',
      summary: 'a route declared as the real ones are',
      tag: 'operations',
      auth: 'public',
      responses,
      handler: async () => ({ status: 200, body: { name: 'a', tags: [] } }),
    });
    // The handler here is what a careless change would write: a status the route does not declare.
    const app = new Hono();
    app.on('POST', '/api/things', checkResponses(route, responses, logger));
    app.on('POST', '/api/things', (c) => c.json({ name: 'a', tags: [] }, 201));
    // An error answered by an error handler is held to the declaration too.
    app.on('POST', '/api/broken', checkResponses({ ...route, path: '/api/broken' }, responses, logger));
    app.on('POST', '/api/broken', () => {
      throw new Error('conflict');
    });
    app.onError((_err, c) => c.json({ error: { code: 'CONFLICT', message: 'taken' } }, 409));

    const res = await app.request('/api/things', { method: 'POST' });
    expect(res.status).toBe(500);
    expect(await res.json()).toEqual({ error: { code: 'INTERNAL', message: "the 201 response breaks this route's declared contract; the details are in the server log" } });
    expect((await app.request('/api/broken', { method: 'POST' })).status).toBe(500);
    expect(capture.records.map(({ route: at, operationId, status, breach, msg }) => ({ at, operationId, status, breach, msg }))).toEqual([
      { at: 'POST /api/things', operationId: 'createThing', status: 201, breach: 'status 201 is not declared (declared: 200, 404)', msg: "response breaks the route's declared contract" },
      { at: 'POST /api/broken', operationId: 'createThing', status: 409, breach: 'status 409 is not declared (declared: 200, 404)', msg: "response breaks the route's declared contract" },
    ]);
  });
});

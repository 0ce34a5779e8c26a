import { Hono, type Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { findUnstorable } from './find-unstorable.ts';
import type { z } from 'zod';
import { formatIssues, type FieldError } from '../config/format-issues.ts';
import { AppError, isAppError } from '../errors/app-error.ts';
import { classifyInfraError } from '../errors/infra.ts';
import type { HttpDeps } from './deps.ts';
import { requireRole } from './auth.ts';
import { closeOnTooLarge } from './close-on-too-large.ts';
import { observeRequests } from './observe-requests.ts';
import { checkResponses } from './check-response.ts';
import { responsesOf } from './responses.ts';
import { createTokenGuard, type TokenGuard } from './token-guard.ts';
import type { AnyRoute, ResultOf, Responses } from './route.ts';
import { ROUTES } from './routes/index.ts';

function refuse(where: string, details: FieldError[]): never {
  const first = details[0];
  throw new AppError('VALIDATION_FAILED', `${where === 'body' ? '' : `${where} `}${first?.path}: ${first?.message}`, { details });
}

// Body, query and path all pass here: what PostgreSQL cannot store is refused before the schema, whole, as a 400.
function parsePart<T>(schema: z.ZodType<T> | undefined, value: unknown, where: string): T {
  if (!schema) return undefined as T;
  const unstorable = findUnstorable(value);
  if (unstorable) refuse(where, [unstorable]);
  // reportInput lets a message tell "missing" from "wrong type"; the input itself is never echoed.
  const parsed = schema.safeParse(value, { reportInput: true });
  if (parsed.success) return parsed.data;
  refuse(where, formatIssues(parsed.error));
}

async function readJson(c: Context): Promise<unknown> {
  const type = c.req.header('content-type') ?? '';
  const text = await c.req.text();
  if (text.trim() === '') return {};
  if (type && !/^application\/(.+\+)?json\b/i.test(type)) {
    throw new AppError('UNSUPPORTED_MEDIA_TYPE', `expected Content-Type: application/json, got "${type.slice(0, 80)}"`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new AppError('BAD_REQUEST', `the body is not valid JSON: ${(err as Error).message.slice(0, 200)}`);
  }
  return parsed;
}

async function parseInput(route: AnyRoute, c: Context) {
  return {
    body: route.body ? parsePart(route.body, await readJson(c), 'body') : undefined,
    query: parsePart(route.query, c.req.query(), 'query'),
    params: parsePart(route.params, c.req.param(), 'path'),
  };
}

// The token is checked before the input is parsed: a caller without rights gets 401/403, never a validation message.
// A source serving a lockout gets 429 before the token is even read, so a guess made during one learns nothing.
async function run(deps: HttpDeps, guard: TokenGuard, route: AnyRoute, c: Context): Promise<ResultOf<Responses>> {
  if (route.auth === 'public') return route.handler({ deps, c, principal: null, ...(await parseInput(route, c)) });
  const locked = guard.lockout(route, c);
  if (locked) return locked;
  const principal = deps.authenticate(c.req.header('authorization'));
  guard.passed(c, principal.tokenName, false);
  requireRole(principal, route.auth);
  guard.passed(c, principal.tokenName, true);
  return route.handler({ deps, c, principal, ...(await parseInput(route, c)) });
}

function register(app: Hono, deps: HttpDeps, guard: TokenGuard, route: AnyRoute, checking: boolean): void {
  const method = route.method.toUpperCase();
  const honoPath = route.path.replace(/\{(\w+)\}/g, ':$1');
  // Registered first for the same method and path, so it runs around the handler and the error handler's answer.
  if (checking) app.on(method, honoPath, checkResponses(route, responsesOf(route), deps.logger));
  app.on(method, honoPath, async (c) => {
    const result = await run(deps, guard, route, c);
    if (result.contentType) return c.body(result.body as string, result.status as 200, { 'content-type': result.contentType });
    return c.json(result.body as object, result.status as 200);
  });
}

// The HTTP error handler is one of the three places that catch AppError: every failure becomes
// { error: { code, message } } with the right status; never a stack trace, never a secret.
export function createApp(deps: HttpDeps): Hono {
  const app = new Hono();
  // First, so that every request is logged and timed, those a later middleware refuses included.
  app.use('*', ...observeRequests({ logger: deps.logger, metrics: deps.metrics }));
  app.use('*', closeOnTooLarge);
  app.use(
    '*',
    bodyLimit({
      maxSize: deps.bodyLimit,
      onError: (c) => c.json({ error: { code: 'PAYLOAD_TOO_LARGE', message: `the body is larger than ${deps.bodyLimit} bytes` } }, 413),
    }),
  );
  const guard = createTokenGuard(deps);
  for (const route of ROUTES) register(app, deps, guard, route, deps.checkResponses ?? false);
  deps.extraRoutes?.(app);
  app.notFound((c) => c.json({ error: { code: 'NOT_FOUND', message: `no route for ${c.req.method} ${c.req.path}` } }, 404));
  app.onError((raw, c) => {
    const err = classifyInfraError(raw);
    if (isAppError(err)) {
      // Every 401 and 403 is counted and audited (rate-limited per source), without waiting for the database.
      if (err.code === 'UNAUTHORIZED' || err.code === 'FORBIDDEN') guard.refused(c, err);
      const body: { code: string; message: string; details?: unknown } = { code: err.code, message: err.message };
      if (err.details !== undefined && err.code === 'VALIDATION_FAILED') body.details = err.details;
      if (err.httpStatus >= 500) deps.logger.warn({ err, path: c.req.path }, 'request failed');
      return c.json({ error: body }, err.httpStatus as 400);
    }
    deps.logger.error({ err: raw, path: c.req.path }, 'unhandled error in request');
    return c.json({ error: { code: 'INTERNAL', message: 'internal error; the details are in the server log' } }, 500);
  });
  return app;
}

import type { MiddlewareHandler } from 'hono';
import { formatIssues } from '../config/format-issues.ts';
import type { Logger } from '../logging/logger.ts';
import type { AnyRoute, Responses } from './route.ts';

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The first field of `sent` that parsing dropped: zod objects strip the keys they do not declare, so a key present in
 * what was sent and missing from what was parsed is a field the document does not describe.
 */
function undeclaredField(sent: unknown, parsed: unknown, path = ''): string | null {
  if (Array.isArray(sent) && Array.isArray(parsed)) {
    for (const [i, item] of sent.entries()) {
      const found = undeclaredField(item, parsed[i], `${path}[${i}]`);
      if (found) return found;
    }
  } else if (isObject(sent) && isObject(parsed)) {
    for (const [key, value] of Object.entries(sent)) {
      const at = path ? `${path}.${key}` : key;
      if (!(key in parsed)) return at;
      const found = undeclaredField(value, parsed[key], at);
      if (found) return found;
    }
  }
  return null;
}

/** What is wrong with a response, measured against a route's declared answers as a client would read it; null when nothing is. */
export async function contractBreach(responses: Responses, res: Response): Promise<string | null> {
  const declared = responses[res.status];
  if (!declared) return `status ${res.status} is not declared (declared: ${Object.keys(responses).join(', ')})`;
  const type = res.headers.get('content-type') ?? '';
  const json = declared.contentType === undefined;
  if (json !== /^application\/json\b/i.test(type)) return `the body is sent as "${type}", declared as ${declared.contentType ?? 'application/json'}`;
  const text = await res.clone().text();
  let body: unknown = text;
  if (json) {
    try {
      body = JSON.parse(text);
    } catch {
      return 'the body is not JSON';
    }
  }
  // reportInput lets the message tell a missing field from one of the wrong type.
  const parsed = declared.schema.safeParse(body, { reportInput: true });
  if (!parsed.success) return formatIssues(parsed.error).map((i) => `${i.path}: ${i.message}`).join('; ');
  const extra = undeclaredField(body, parsed.data);
  return extra ? `${extra}: a field the schema does not declare` : null;
}

/**
 * A route's contract, enforced: every response, error responses included, must have a declared status and a body its
 * schema describes; one that does not becomes a 500 and an error log line naming the route, the status and the
 * problem. It parses every body, so production leaves it off; the tests turn it on, which makes every test that calls
 * the API a test of the document too. It runs around the handler, so it sees what the error handler wrote.
 */
export function checkResponses(route: AnyRoute, responses: Responses, logger: Logger): MiddlewareHandler {
  return async (c, next) => {
    await next();
    const breach = await contractBreach(responses, c.res);
    if (!breach) return;
    const status = c.res.status;
    logger.error({ route: `${route.method.toUpperCase()} ${route.path}`, operationId: route.operationId, status, breach }, 'response breaks the route\'s declared contract');
    c.res = undefined;
    c.res = c.json({ error: { code: 'INTERNAL', message: `the ${status} response breaks this route's declared contract; the details are in the server log` } }, 500);
  };
}

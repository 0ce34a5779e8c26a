import { z } from 'zod';
import type { AnyRoute, ResponseDef, Responses } from './route.ts';
import { schemaNames } from './schema-names.ts';

/** The one error body: what the error handler in app.ts writes for every failure, with details only for VALIDATION_FAILED. */
export const ErrorBodySchema = z
  .object({
    error: z.object({
      code: z.string().describe('Stable, in SCREAMING_SNAKE_CASE (VALIDATION_FAILED, NOT_FOUND, …): branch on it, not on the message'),
      message: z.string().describe('For a person: what went wrong and, where it helps, what to do'),
      details: z
        .array(z.object({ path: z.string().describe("The field, as in 'approvals[0].reason' or '(root)'"), message: z.string() }))
        .optional()
        .describe('Every field that failed validation (VALIDATION_FAILED only)'),
    }),
  })
  .register(schemaNames, { id: 'Error' });

export const failure = (description: string) => ({ description, schema: ErrorBodySchema });

/** The error handler's 503, for a route whose handler reads or writes PostgreSQL (classifyInfraError in errors/infra.ts). */
export const UNAVAILABLE = {
  503: failure('PostgreSQL (or Redis) is unreachable: DATABASE_UNAVAILABLE or QUEUE_UNAVAILABLE. Nothing was changed; try again shortly.'),
};

export const notFound = (what: string) => failure(`No ${what} has this id (NOT_FOUND)`);
export const UNKNOWN_SERVICE = failure('The service and environment are not configured in the policy file (UNKNOWN_SERVICE)');

/**
 * What register() and the token check in app.ts answer for a route before its handler runs, by the route's shape:
 * a schema to parse means 400, a token means 401, 403 and 429 (auth-brake.ts), a JSON body means 413 and 415. A route's own declaration of
 * the same status takes precedence (decide's 403 also carries the refused vote).
 */
function machineryResponses(route: AnyRoute): Responses {
  const answers: Record<number, ResponseDef> = {};
  if (route.body || route.query || route.params) {
    const invalid = 'The input is invalid: a field fails its schema (VALIDATION_FAILED, with details naming each field)';
    answers[400] = failure(route.body ? `${invalid}, or the body is not JSON (BAD_REQUEST)` : invalid);
  }
  if (route.auth !== 'public') {
    answers[401] = failure('No token, or not a token backstop knows (UNAUTHORIZED)');
    answers[403] = failure('The token, or the person it acts for, may not do this (FORBIDDEN)');
    answers[429] = failure(
      'Too many unknown tokens came from this address: every call with a token from it is refused, before the token is read, until the lockout ends (RATE_LIMITED). The Retry-After header gives the seconds left.',
    );
  }
  if (route.body) {
    answers[413] = failure("The body is larger than the policy file's api.body_limit (PAYLOAD_TOO_LARGE)");
    answers[415] = failure('The body is not sent as application/json (UNSUPPORTED_MEDIA_TYPE)');
  }
  return answers;
}

/** Every answer a route can give, by status: the document lists these, and the contract check allows only these. */
export const responsesOf = (route: AnyRoute): Responses => ({ ...machineryResponses(route), ...route.responses });

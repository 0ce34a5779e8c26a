import type { Context } from 'hono';
import { appendAuditBatch } from '../audit/append-audit.ts';
import type { AppError } from '../errors/app-error.ts';
import { createApiRefusalMetrics } from '../metrics/api-refusal-metrics.ts';
import { createAuthBrake } from './auth-brake.ts';
import type { HttpDeps } from './deps.ts';
import { routeOf } from './observe-requests.ts';
import { createRefusalAudit } from './refusal-audit.ts';
import type { AnyRoute, ResultOf, Responses } from './route.ts';
import { sourceAddress } from './source-address.ts';

export interface TokenGuard {
  /** Before the token is read: the 429 for a source serving a lockout (its Retry-After set on c), or null to go on. */
  lockout(route: AnyRoute, c: Context): ResultOf<Responses> | null;
  /** The token was one backstop knows; `roleHeld` once it passed the route's role check. */
  passed(c: Context, tokenName: string, roleHeld: boolean): void;
  /** From the error handler, for every 401 and 403: feeds the brake (an unknown credential) and the audit log. */
  refused(c: Context, err: AppError): void;
}

/** What the token check learned about one request, for the error handler to word its refusal with. */
interface Attempt {
  route: AnyRoute;
  source: string;
  tokenName?: string;
  roleHeld: boolean;
}

/** The brake on guessing tokens and the refusal audit, for one app; each from HttpDeps, or built with its defaults. */
export function createTokenGuard(deps: HttpDeps): TokenGuard {
  const brake = deps.authBrake ?? createAuthBrake({ clock: deps.clock });
  const audit =
    deps.refusalAudit ??
    createRefusalAudit({ write: (entries) => appendAuditBatch(deps.db, entries), logger: deps.logger, metrics: createApiRefusalMetrics(deps.metrics), clock: deps.clock });
  const attempts = new WeakMap<Request, Attempt>();

  return {
    lockout(route, c) {
      const source = sourceAddress(c);
      attempts.set(c.req.raw, { route, source, roleHeld: false });
      const locked = brake.lockedOut(source);
      if (!locked) return null;
      audit.rateLimited();
      c.header('Retry-After', String(locked.retryAfterSeconds));
      const message = `too many unknown tokens from ${source}: calls with a token are refused until ${locked.until.toISOString()}; try again in ${locked.retryAfterSeconds} s`;
      return { status: 429, body: { error: { code: 'RATE_LIMITED', message } } };
    },
    passed(c, tokenName, roleHeld) {
      const attempt = attempts.get(c.req.raw);
      if (attempt) Object.assign(attempt, { tokenName, roleHeld });
    },
    refused(c, err) {
      const attempt = attempts.get(c.req.raw);
      const source = attempt?.source ?? sourceAddress(c);
      // Presented but not known: a guess. No header at all guesses nothing and does not count.
      const credential = c.req.header('authorization');
      if (err.code === 'UNAUTHORIZED' && credential && attempt) {
        const started = brake.failed(source, credential);
        if (started) audit.lockedOut(started);
      }
      const why =
        err.code === 'UNAUTHORIZED'
          ? credential
            ? 'the Authorization header holds no token backstop knows'
            : // A public route that refuses is one whose credential is a signature (GitHub's webhook), never a token.
              attempt
              ? 'no token'
              : 'the request carries no signature that verifies'
          : attempt && !attempt.roleHeld && attempt.route.auth !== 'public'
            ? `the token lacks the role (needs one of: ${attempt.route.auth.join(', ')})`
            : 'the operation refused what the token asked for (to act for another person, or a trigger it may not claim)';
      audit.refused({
        reason: err.code === 'UNAUTHORIZED' ? 'unauthorized' : 'forbidden',
        why,
        method: c.req.method,
        route: attempt?.route.path ?? routeOf(c),
        source,
        tokenName: attempt?.tokenName,
      });
    },
  };
}

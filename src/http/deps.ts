import type { Hono } from 'hono';
import type { Registry } from 'prom-client';
import type { MonitorDeps } from '../monitor/types.ts';
import type { Authenticator } from './auth.ts';
import type { AuthBrake } from './auth-brake.ts';
import type { RefusalAudit } from './refusal-audit.ts';
import type { MemberLookup } from '../discord/member-roles.ts';

export interface HttpDeps extends MonitorDeps {
  authenticate: Authenticator;
  redis: { ping(): Promise<unknown> };
  pool: { query(sql: string): Promise<unknown> };
  metrics: Registry;
  bodyLimit: number;
  /** Routes beyond the API's own (the sandbox page); they share its body limit and error handler. */
  extraRoutes?: (app: Hono) => void;
  /**
   * Holds every response of the API's routes to the route's declared responses: an undeclared status or body becomes
   * a 500 and an error log line (check-response.ts). It parses every body, so production leaves it off; tests turn it on.
   */
  checkResponses?: boolean;
  /** A Discord member's roles, asked of Discord, for the identities a speaking token names (src/http/auth.ts actingAs). */
  members?: MemberLookup;
  /** The brake on guessing tokens (auth-brake.ts); by default one with AUTH_BRAKE_DEFAULTS on deps.clock. */
  authBrake?: AuthBrake;
  /** Where 401s and 403s are counted and audited (refusal-audit.ts); by default one writing to deps.db and deps.metrics. */
  refusalAudit?: RefusalAudit;
}

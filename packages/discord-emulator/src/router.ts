import type { StoredAttachment } from './channel-store.ts';
import type { BucketPolicy } from './rate-limit.ts';
import { describeIssues, formBodyErrors, type Issue } from './validate.ts';

export interface RouteRequest {
  method: string;
  /** Path below /api/v10, segments decoded (%40original → @original). */
  path: string;
  params: Record<string, string>;
  query: URLSearchParams;
  /** The JSON body, or multipart's payload_json; undefined when the request had none. */
  body: unknown;
  files: StoredAttachment[];
  /** Records a violation prefixed with this route, e.g. "PATCH /channels/:channelId/messages/:messageId: …". */
  violation(message: string): void;
}

export interface RouteResult {
  status: number;
  body?: unknown;
}

export interface Route {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  template: string;
  /** Interaction callbacks and webhook calls are authorised by the token in the path, not a bot token. */
  auth: 'bot' | 'none';
  bucket: BucketPolicy;
  /** The major parameter that splits this route's bucket (channel, guild, webhook). */
  major?: (params: Record<string, string>) => string;
  handle(request: RouteRequest): RouteResult;
}

/** A Discord error body: `{ code, message, errors? }`. */
export function discordError(status: number, code: number, message: string, errors?: Record<string, unknown>): RouteResult {
  return { status, body: { code, message, ...(errors ? { errors } : {}) } };
}

/** 400 Invalid Form Body with the issues nested the way Discord nests them, and the violation that goes with it. */
export function invalidForm(request: RouteRequest, issues: Issue[], what = 'body'): RouteResult {
  request.violation(`invalid ${what}: ${describeIssues(issues)}`);
  return discordError(400, 50035, 'Invalid Form Body', formBodyErrors(issues));
}

export const ok = (body: unknown, status = 200): RouteResult => ({ status, body });
export const noContent = (): RouteResult => ({ status: 204 });

export type RouteMatch = { route: Route; params: Record<string, string> } | { route?: undefined; methodMismatch: boolean };

/** Matches a decoded path against `/segment/:param` templates. */
export function matchRoute(routes: Route[], method: string, segments: string[]): RouteMatch {
  let methodMismatch = false;
  for (const route of routes) {
    const parts = route.template.split('/').filter(Boolean);
    if (parts.length !== segments.length) continue;
    const params: Record<string, string> = {};
    const hit = parts.every((part, i) => {
      if (part.startsWith(':')) {
        params[part.slice(1)] = segments[i]!;
        return true;
      }
      return part === segments[i];
    });
    if (!hit) continue;
    if (route.method === method) return { route, params };
    methodMismatch = true;
  }
  return { methodMismatch };
}

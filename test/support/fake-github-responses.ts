import type { ServerResponse } from 'node:http';

// How the fake GitHub answers, for both its parts: GitHub's headers on every answer (rate limit counters, request id),
// its error body shape, and the docs links that error bodies carry.

export type Send = (res: ServerResponse, status: number, body: unknown, headers?: Record<string, string>) => void;
export type SendError = (res: ServerResponse, status: number, message: string, documentation_url: string, headers?: Record<string, string>) => void;

export const DOCS = {
  dispatch: 'https://docs.github.com/rest/actions/workflows#create-a-workflow-dispatch-event',
  listRuns: 'https://docs.github.com/rest/actions/workflow-runs#list-workflow-runs-for-a-workflow',
  getRun: 'https://docs.github.com/rest/actions/workflow-runs#get-a-workflow-run',
  reviewGates: 'https://docs.github.com/rest/actions/workflow-runs#review-custom-deployment-protection-rules-for-a-workflow-run',
  accessToken: 'https://docs.github.com/rest/apps/apps#create-an-installation-access-token-for-an-app',
  auth: 'https://docs.github.com/rest',
  rateLimit: 'https://docs.github.com/rest/using-the-rest-api/rate-limits-for-the-rest-api',
};
const RATE_LIMIT = 5000;

// GitHub's timestamps have whole seconds.
export const iso = (ms: number) => new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');

/** send and error for one fake server; the rate limit counters count every answer it sends. */
export function createResponder(): { send: Send; error: SendError } {
  let used = 0;
  function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
    used++;
    const resetAt = String(Math.floor(Date.now() / 1000) + 3600);
    res.writeHead(status, {
      'content-type': 'application/json; charset=utf-8',
      'x-github-api-version-selected': '2022-11-28',
      'x-github-request-id': `FAKE:${used}`,
      'x-ratelimit-limit': String(RATE_LIMIT),
      'x-ratelimit-remaining': String(Math.max(0, RATE_LIMIT - used)),
      'x-ratelimit-reset': resetAt,
      'x-ratelimit-used': String(used),
      'x-ratelimit-resource': 'core',
      ...headers,
    });
    res.end(body === undefined ? undefined : JSON.stringify(body));
  }
  const error = (res: ServerResponse, status: number, message: string, documentation_url: string, headers: Record<string, string> = {}) =>
    send(res, status, { message, documentation_url, status: String(status) }, headers);
  return { send, error };
}

import { formatDuration } from '../config/duration.ts';

// One request to GitHub's REST API, shared by the token client and the callback: the headers GitHub asks for, a
// timeout, and the answer read whatever its shape. It never throws: a lost connection is a value like an answer.

export const API_VERSION = '2022-11-28';
const MAX_MESSAGE = 300;

export interface GithubAnswer {
  status: number;
  body: Record<string, unknown>;
  headers: Headers;
}

/** No answer came: the connection failed or the timeout passed. */
export interface NoAnswer {
  status: null;
  reason: string;
}

export interface GithubRequest {
  method: 'POST' | 'GET';
  url: string;
  /** A JWT or an installation token: sent as "Bearer". */
  bearer: string;
  body?: unknown;
  timeoutMs: number;
}

export async function requestGithub(fetchFn: typeof fetch, req: GithubRequest): Promise<GithubAnswer | NoAnswer> {
  try {
    const res = await fetchFn(req.url, {
      method: req.method,
      headers: {
        authorization: `Bearer ${req.bearer}`,
        accept: 'application/vnd.github+json',
        'x-github-api-version': API_VERSION,
        'user-agent': 'backstop',
        ...(req.body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: req.body === undefined ? undefined : JSON.stringify(req.body),
      // GitHub answers the callback with a redirect only if something is wrong; following one could carry the token away.
      redirect: 'manual',
      signal: AbortSignal.timeout(req.timeoutMs),
    });
    const text = await res.text();
    let body: Record<string, unknown> = {};
    try {
      const json: unknown = text ? JSON.parse(text) : {};
      if (json && typeof json === 'object' && !Array.isArray(json)) body = json as Record<string, unknown>;
    } catch {
      // An HTML error page from a proxy: judged by its status alone.
    }
    return { status: res.status, body, headers: res.headers };
  } catch (err) {
    const e = err as Error;
    const host = new URL(req.url).host;
    return {
      status: null,
      reason: e.name === 'TimeoutError' ? `${host} did not answer within ${formatDuration(req.timeoutMs)}` : `cannot reach ${host} (${causeOf(e)})`,
    };
  }
}

/** GitHub's `message` on one short line, with `secret` masked should an answer ever echo it. */
export function githubMessage(body: Record<string, unknown>, secret: string): string {
  const message = typeof body.message === 'string' ? body.message : '';
  return message.split(secret).join('***').replace(/\s+/g, ' ').trim().slice(0, MAX_MESSAGE);
}

/**
 * How long GitHub asks to wait before trying again, in ms, or undefined when it does not say: Retry-After (seconds) for
 * secondary limits, x-ratelimit-reset (epoch seconds) when the primary quota is spent.
 */
export function rateLimitWaitMs(headers: Headers, nowMs: number): number | undefined {
  const retryAfter = headers.get('retry-after');
  if (retryAfter !== null) {
    // Retry-After is seconds, or (rarely) an HTTP date.
    const seconds = Number(retryAfter);
    if (retryAfter.trim() !== '' && Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
    const at = Date.parse(retryAfter);
    if (Number.isFinite(at)) return Math.max(0, at - nowMs);
  }
  const reset = Number(headers.get('x-ratelimit-reset') ?? NaN);
  if (headers.get('x-ratelimit-remaining') === '0' && Number.isFinite(reset)) return Math.max(0, reset * 1000 - nowMs);
  return undefined;
}

/** A 403 or 429 that is a rate limit (retry later), not a missing permission (final). */
export function isRateLimited(answer: GithubAnswer): boolean {
  if (answer.status === 429) return true;
  if (answer.status !== 403) return false;
  return answer.headers.get('x-ratelimit-remaining') === '0' || answer.headers.has('retry-after') || /rate limit/i.test(String(answer.body.message ?? ''));
}

// undici reports "fetch failed" and keeps the useful part (ECONNREFUSED, …) in the cause.
function causeOf(e: Error): string {
  const cause = (e as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? e.message;
}

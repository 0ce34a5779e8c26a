import type { KeyObject } from 'node:crypto';
import type { Logger } from '../logging/logger.ts';
import { createAppJwt } from './app-jwt.ts';
import { githubMessage, isRateLimited, rateLimitWaitMs, requestGithub } from './github-request.ts';

// Installation access tokens, one per installation, asked for with the App's JWT and kept until shortly before they
// expire (GitHub makes them last an hour). Asking once per answer would spend the App's rate limit and add a round
// trip to every deployment.

export interface GithubAppCredentials {
  /** The App's id (or client id): the JWT's iss. */
  appId: string | number;
  /** From loadAppPrivateKey. */
  privateKey: KeyObject;
  /** https://api.github.com, or https://HOSTNAME/api/v3 for GitHub Enterprise Server. */
  apiUrl: string;
}

export interface InstallationTokenDeps {
  fetch: typeof fetch;
  clock(): Date;
  logger: Logger;
  /** Default 10 s. */
  requestTimeoutMs?: number;
  /** A token is renewed this long before its expires_at; default 5 minutes, so none expires mid-request. */
  renewBeforeMs?: number;
}

export type InstallationToken = { ok: true; token: string; expiresAt: Date } | { ok: false; problem: string; retryable: boolean; status: number | null };

export interface InstallationTokens {
  /** A token for the installation: the kept one while it is fresh, else a new one. Never throws. */
  get(installationId: number): Promise<InstallationToken>;
  /** Drops the kept token, as when GitHub answered 401 to it (revoked, or the installation changed). */
  forget(installationId: number): void;
}

const REQUEST_TIMEOUT_MS = 10_000;
const RENEW_BEFORE_MS = 5 * 60_000;

export function createInstallationTokens(app: GithubAppCredentials, deps: InstallationTokenDeps): InstallationTokens {
  const api = app.apiUrl.replace(/\/+$/, '');
  const renewBefore = deps.renewBeforeMs ?? RENEW_BEFORE_MS;
  const kept = new Map<number, { token: string; expiresAt: Date }>();
  // Callers asking for the same installation at once share one request.
  const pending = new Map<number, Promise<InstallationToken>>();

  async function create(installationId: number): Promise<InstallationToken> {
    const { jwt } = createAppJwt(app.appId, app.privateKey, deps.clock());
    const answer = await requestGithub(deps.fetch, {
      method: 'POST',
      url: `${api}/app/installations/${installationId}/access_tokens`,
      bearer: jwt,
      timeoutMs: deps.requestTimeoutMs ?? REQUEST_TIMEOUT_MS,
    });
    const what = `an installation token for installation ${installationId}`;
    if (answer.status === null) return { ok: false, retryable: true, status: null, problem: `cannot get ${what}: ${answer.reason}` };
    const message = githubMessage(answer.body, jwt);
    const said = message ? ` (GitHub said: ${message})` : '';
    const { token, expires_at } = answer.body;
    if (answer.status === 201 && typeof token === 'string' && token && typeof expires_at === 'string' && Number.isFinite(Date.parse(expires_at))) {
      const expiresAt = new Date(expires_at);
      kept.set(installationId, { token, expiresAt });
      deps.logger.debug({ installationId, expiresAt: expiresAt.toISOString() }, 'got a github installation token');
      return { ok: true, token, expiresAt };
    }
    const fail = (retryable: boolean, problem: string): InstallationToken => ({ ok: false, retryable, status: answer.status, problem: `cannot get ${what}: ${problem}${said}` });
    if (answer.status === 201) return fail(false, 'GitHub answered 201 without a token and expires_at');
    if (answer.status === 401) return fail(false, `GitHub rejected the App's JWT (401): check the app id ${app.appId}, its private key, and this machine's clock`);
    if (isRateLimited(answer)) {
      const wait = rateLimitWaitMs(answer.headers, deps.clock().getTime());
      return fail(true, `the App is rate limited (${answer.status})${wait === undefined ? '' : `; retry in ${Math.ceil(wait / 1000)}s`}`);
    }
    if (answer.status === 403) return fail(false, 'GitHub refused (403): the installation may be suspended');
    if (answer.status === 404) return fail(false, `GitHub knows no installation ${installationId} of app ${app.appId} (404): is the App installed there?`);
    if (answer.status >= 500 || answer.status === 408) return fail(true, `GitHub answered ${answer.status}`);
    return fail(false, `GitHub answered ${answer.status}`);
  }

  return {
    get(installationId) {
      const have = kept.get(installationId);
      if (have && have.expiresAt.getTime() - renewBefore > deps.clock().getTime()) return Promise.resolve({ ok: true, ...have });
      const inFlight = pending.get(installationId);
      if (inFlight) return inFlight;
      const request = create(installationId).finally(() => pending.delete(installationId));
      pending.set(installationId, request);
      return request;
    },
    forget(installationId) {
      kept.delete(installationId);
    },
  };
}

import { createHmac, createPublicKey, randomBytes, randomUUID, verify } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { DeliveryResult, FakeGithubApp, IssuedToken, ProtectionRuleDelivery, RecordedProtectionRuleAnswer } from './fake-github.ts';
import { DOCS, iso, type Send, type SendError } from './fake-github-responses.ts';

// The GitHub App part of the fake GitHub: installation tokens, the protection rule callback, and the webhook event.

const HOUR_MS = 3_600_000;
/** GitHub shows protection rule comments of up to 1024 characters. */
const MAX_COMMENT = 1024;
const JWT_UNREADABLE = 'A JSON web token could not be decoded';
const SECONDARY_LIMIT = 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.';
/** What GitHub says with the statuses failNextCallbacks injects. */
const INJECTED_MESSAGES: Record<number, string> = { 401: 'Bad credentials', 403: SECONDARY_LIMIT, 404: 'Not Found', 422: 'Validation Failed', 429: SECONDARY_LIMIT };

/** The App endpoints of a fake started with `app`, and what they recorded. */
export function createAppSide(app: FakeGithubApp, send: Send, error: SendError) {
  const publicKey = typeof app.publicKey === 'string' ? createPublicKey(app.publicKey) : app.publicKey;
  const now = app.now ?? Date.now;
  const answers: RecordedProtectionRuleAnswer[] = [];
  const issued: IssuedToken[] = [];
  const side = { answers, issued, failNext: { count: 0, status: 502, headers: {} as Record<string, string> }, route, revoke, reset };
  let revokedBefore = 0;

  const bearer = (req: IncomingMessage) => /^(?:Bearer|token)\s+(\S+)$/i.exec(String(req.headers.authorization ?? ''))?.[1];

  /** GitHub's checks on an App JWT: RS256 by the App's key, iss, iat not ahead, exp ahead but at most 10 minutes. */
  function jwtProblem(jwt: string): string | undefined {
    const parts = jwt.split('.');
    if (parts.length !== 3) return JWT_UNREADABLE;
    const [header, claims] = parts.slice(0, 2).map((p) => {
      try {
        return JSON.parse(Buffer.from(p, 'base64url').toString('utf8')) as Record<string, unknown>;
      } catch {
        return undefined;
      }
    });
    if (!header || !claims || header.alg !== 'RS256') return JWT_UNREADABLE;
    if (!verify('sha256', Buffer.from(`${parts[0]}.${parts[1]}`), publicKey, Buffer.from(parts[2]!, 'base64url'))) return JWT_UNREADABLE;
    if (String(claims.iss) !== String(app.id) && !(app.clientId && claims.iss === app.clientId)) return 'Integration not found';
    const nowS = Math.floor(now() / 1000);
    if (!Number.isInteger(claims.iat) || (claims.iat as number) > nowS) {
      return "'Issued at' claim ('iat') must be an Integer representing the time that the assertion was issued.";
    }
    if (!Number.isInteger(claims.exp) || (claims.exp as number) <= nowS) {
      return "'Expiration time' claim ('exp') must be a numeric value representing the future time at which the assertion expires.";
    }
    if ((claims.exp as number) > nowS + 600) return "'Expiration time' claim ('exp') is too far in the future";
    return undefined;
  }

  function accessToken(installationId: number, req: IncomingMessage, res: ServerResponse) {
    const jwt = bearer(req);
    if (!jwt) return error(res, 401, 'Requires authentication', DOCS.accessToken);
    const problem = jwtProblem(jwt);
    if (problem) return error(res, 401, problem, DOCS.accessToken);
    const repositories = app.installations[installationId];
    if (!repositories) return error(res, 404, 'Not Found', DOCS.accessToken);
    const token = { installationId, token: `ghs_${randomBytes(18).toString('hex')}`, expiresAt: now() + (app.tokenTtlMs ?? HOUR_MS) };
    issued.push(token);
    send(res, 201, {
      token: token.token,
      expires_at: iso(token.expiresAt),
      permissions: { actions: 'read', deployments: 'write', metadata: 'read' },
      repository_selection: 'selected',
    });
  }

  function review(m: RegExpExecArray, raw: string, req: IncomingMessage, res: ServerResponse) {
    if (side.failNext.count > 0) {
      side.failNext.count--;
      const { status, headers } = side.failNext;
      return error(res, status, INJECTED_MESSAGES[status] ?? (status >= 500 ? 'Server Error' : 'Error'), DOCS.reviewGates, headers);
    }
    const value = bearer(req);
    const token = issued.find((t) => t.token === value);
    if (!token || token.expiresAt <= now() || issued.indexOf(token) < revokedBefore) return error(res, 401, 'Bad credentials', DOCS.auth);
    const [owner, repo, runId] = [m[1]!, m[2]!, Number(m[3])];
    // A token of an installation that cannot see the repository gets GitHub's 404, not a 403.
    const repositories = app.installations[token.installationId] ?? [];
    if (!repositories.some((r) => r.toLowerCase() === `${owner}/${repo}`.toLowerCase())) return error(res, 404, 'Not Found', DOCS.reviewGates);
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(raw) as Record<string, unknown>;
    } catch {
      return error(res, 400, 'Problems parsing JSON', DOCS.reviewGates);
    }
    const invalid = (why: string) => error(res, 422, `Invalid request.\n\n${why}`, DOCS.reviewGates);
    if (!body || typeof body !== 'object' || Array.isArray(body)) return invalid('Invalid input: object is expected.');
    // The body is one of {environment_name, state: approved|rejected, comment?} or {environment_name, comment}.
    if (typeof body.environment_name !== 'string') return invalid(`"environment_name" wasn't supplied.`);
    if (body.state !== undefined && body.state !== 'approved' && body.state !== 'rejected') {
      return invalid(`For 'properties/state', ${JSON.stringify(body.state)} is not one of ["approved", "rejected"].`);
    }
    if (body.comment !== undefined && typeof body.comment !== 'string') return invalid(`For 'properties/comment', ${JSON.stringify(body.comment)} is not a string.`);
    if (body.state === undefined && body.comment === undefined) return invalid('No subschema in "anyOf" matched.');
    if (typeof body.comment === 'string' && body.comment.length > MAX_COMMENT) return invalid(`Comment is too long (maximum is ${MAX_COMMENT} characters).`);
    answers.push({ owner, repo, runId, installationId: token.installationId, body: body as RecordedProtectionRuleAnswer['body'], headers: req.headers });
    send(res, 204, undefined);
  }

  /** Handles the App's endpoints; false for any other request. */
  function route(req: IncomingMessage, path: string, raw: string, res: ServerResponse): boolean {
    const tokenRoute = /^\/app\/installations\/(\d+)\/access_tokens$/.exec(path);
    if (tokenRoute && req.method === 'POST') {
      accessToken(Number(tokenRoute[1]), req, res);
      return true;
    }
    const reviewRoute = /^\/repos\/([^/]+)\/([^/]+)\/actions\/runs\/(\d+)\/deployment_protection_rule$/.exec(path);
    if (reviewRoute && req.method === 'POST') {
      review(reviewRoute, raw, req, res);
      return true;
    }
    return false;
  }

  function revoke() {
    revokedBefore = issued.length;
  }

  function reset() {
    answers.length = 0;
    issued.length = 0;
    revokedBefore = 0;
    side.failNext = { count: 0, status: 502, headers: {} };
  }

  return side;
}

/** A deployment_protection_rule "requested" event, shaped like GitHub's example payload, for a fake at `apiUrl`. */
export function protectionRuleEventPayload(apiUrl: string, d: Omit<ProtectionRuleDelivery, 'url' | 'secret'>): Record<string, unknown> {
  const [owner = '', name = ''] = d.repository.split('/');
  const repoApi = `${apiUrl}/repos/${owner}/${name}`;
  const createdAt = iso(Date.now());
  const deploymentId = d.deploymentId ?? 1_145_289_453;
  const bot = { login: 'github-actions[bot]', id: 41898282, node_id: 'MDM6Qm90NDE4OTgyODI=', avatar_url: 'https://avatars.githubusercontent.com/in/15368?v=4', type: 'Bot', site_admin: false };
  const ownerUser = { login: owner, id: 9919, node_id: 'MDEyOk9yZ2FuaXphdGlvbjk5MTk=', type: 'Organization', site_admin: false, url: `${apiUrl}/users/${owner}`, html_url: `https://github.com/${owner}` };
  const payload: Record<string, unknown> = {
    action: 'requested',
    environment: d.environment,
    event: d.event ?? 'push',
    sha: d.sha,
    ref: d.ref,
    deployment_callback_url: d.callbackUrl ?? `${repoApi}/actions/runs/${d.runId}/deployment_protection_rule`,
    deployment: {
      url: `${repoApi}/deployments/${deploymentId}`,
      id: deploymentId,
      node_id: 'DE_kwDOJ6Dh8s5EQ-Y9',
      task: 'deploy',
      original_environment: d.environment,
      environment: d.environment,
      description: null,
      created_at: createdAt,
      updated_at: createdAt,
      statuses_url: `${repoApi}/deployments/${deploymentId}/statuses`,
      repository_url: repoApi,
      creator: bot,
      sha: d.sha,
      ref: d.ref,
      payload: {},
      transient_environment: false,
      production_environment: false,
      performed_via_github_app: null,
    },
    pull_requests: [],
    repository: {
      id: 186853002,
      node_id: 'MDEwOlJlcG9zaXRvcnkxODY4NTMwMDI=',
      name,
      full_name: d.repository,
      private: false,
      owner: ownerUser,
      html_url: `https://github.com/${d.repository}`,
      url: repoApi,
      default_branch: 'main',
    },
    organization: { login: owner, id: 9919, node_id: 'MDEyOk9yZ2FuaXphdGlvbjk5MTk=', url: `${apiUrl}/orgs/${owner}` },
    sender: { login: 'octocat', id: 1, node_id: 'MDQ6VXNlcjE=', type: 'User', site_admin: false },
    installation: { id: d.installationId, node_id: 'MDIzOkludGVncmF0aW9uSW5zdGFsbGF0aW9uMQ==' },
  };
  for (const [k, v] of Object.entries(d.overrides ?? {})) {
    if (v === undefined) delete payload[k];
    else payload[k] = v;
  }
  return payload;
}

/** POSTs the event to `delivery.url` as GitHub's webhook delivery does: its headers, its HMAC signatures. */
export async function sendProtectionRuleEvent(apiUrl: string, appId: number | undefined, delivery: ProtectionRuleDelivery): Promise<DeliveryResult> {
  const payload = protectionRuleEventPayload(apiUrl, delivery);
  const rawBody = JSON.stringify(payload);
  const deliveryId = randomUUID();
  const secret = delivery.signature === 'wrong' ? `${delivery.secret}-not` : delivery.secret;
  const hmac = (algorithm: 'sha1' | 'sha256') => `${algorithm}=${createHmac(algorithm, secret).update(rawBody).digest('hex')}`;
  const headers: Record<string, string> = {
    accept: '*/*',
    'content-type': 'application/json',
    'user-agent': 'GitHub-Hookshot/4f3c2b1',
    'x-github-event': 'deployment_protection_rule',
    'x-github-delivery': deliveryId,
    'x-github-hook-id': String(delivery.hookId ?? 460_123_456),
    'x-github-hook-installation-target-type': 'integration',
    'x-github-hook-installation-target-id': String(appId ?? 0),
    ...(delivery.signature === 'missing' ? {} : { 'x-hub-signature': hmac('sha1'), 'x-hub-signature-256': hmac('sha256') }),
  };
  const res = await fetch(delivery.url, { method: 'POST', headers, body: rawBody, signal: AbortSignal.timeout(10_000) });
  return { status: res.status, body: await res.text(), deliveryId, rawBody, payload, headers };
}

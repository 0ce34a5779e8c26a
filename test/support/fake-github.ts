import type { KeyObject } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAppSide, sendProtectionRuleEvent } from './fake-github-app.ts';
import { createResponder, DOCS } from './fake-github-responses.ts';
import { createWorkflowRuns } from './fake-github-workflows.ts';

export { protectionRuleEventPayload } from './fake-github-app.ts';

// A local stand-in for the parts of GitHub's REST API a workflow_dispatch rollback uses: create a workflow dispatch
// event, list a workflow's runs, get a run (docs.github.com/en/rest/actions/workflows, …/actions/workflow-runs).
// Status codes, error bodies and run objects follow GitHub's shapes, so the executor is tested against the answers it
// will really get, including the unpleasant ones (401, 403 rate limits, 404, 422, 5xx, silence).
//
// With `app`, it is also the GitHub side of a GitHub App's custom deployment protection rule: it issues installation
// tokens for a JWT signed by the App's key (docs.github.com/en/apps/creating-github-apps/authenticating-with-a-github-app),
// takes the App's answers on …/actions/runs/{run_id}/deployment_protection_rule, and sends the deployment_protection_rule
// webhook event as GitHub delivers it (sendProtectionRuleEvent).
//
// This file is the server: its public types, the checks every request passes (stall, injected failures, base path, API
// version, token, rate limit), and the routing to the workflow endpoints (fake-github-workflows.ts) and the App's
// (fake-github-app.ts).

export interface FakeWorkflow {
  id: number;
  /** File name under .github/workflows, e.g. rollback.yml; dispatch accepts it or the numeric id. */
  file: string;
  name: string;
  /** on.workflow_dispatch.inputs: every key is accepted, `required` ones must be sent. */
  inputs: Record<string, { required?: boolean }>;
  /** The workflow's run-name; `${{ inputs.x }}` is replaced. Without one, display_title is the workflow name (as on GitHub). */
  runName?: string;
}

export interface FakeGithubApp {
  id: number;
  /** Also accepted as the JWT's iss, as GitHub accepts the client id. */
  clientId?: string;
  /** The App's public key (PEM or KeyObject): JWTs are checked against it. */
  publicKey: string | KeyObject;
  /** Installation id → the repositories ("owner/name") its tokens may act on. */
  installations: Record<number, string[]>;
  /** How long an installation token lasts; GitHub's last an hour. */
  tokenTtlMs?: number;
  /** The fake's clock (epoch ms) for JWT checks and token expiry, so a test can move time; default Date.now. */
  now?: () => number;
}

export interface FakeGithubOptions {
  /** The personal access token the workflow endpoints accept; without one they accept none. */
  token?: string;
  /** The repository the workflow endpoints serve. */
  repository?: string;
  workflows?: FakeWorkflow[];
  app?: FakeGithubApp;
  /** Branches and tags dispatch accepts. */
  refs?: string[];
  /** Path prefix of the API, e.g. /api/v3 for a GitHub Enterprise Server. */
  basePath?: string;
}

export type Conclusion = 'success' | 'failure' | 'cancelled' | 'timed_out' | 'action_required' | 'startup_failure' | 'stale' | 'neutral' | 'skipped';

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: IncomingHttpHeaders;
}

export interface RecordedDispatch {
  workflow: string;
  body: { ref?: unknown; inputs?: Record<string, unknown> };
  headers: IncomingHttpHeaders;
}

export interface RecordedProtectionRuleAnswer {
  owner: string;
  repo: string;
  runId: number;
  installationId: number;
  /** state is absent for a status report (a comment only). */
  body: { environment_name: string; state?: 'approved' | 'rejected'; comment?: string };
  headers: IncomingHttpHeaders;
}

export interface IssuedToken {
  installationId: number;
  token: string;
  expiresAt: number;
}

export interface ProtectionRuleDelivery {
  /** Where the event is POSTed: the webhook URL of the App. */
  url: string;
  secret: string;
  repository: string;
  environment: string;
  runId: number;
  sha: string;
  /** As GitHub sends it: the branch name, e.g. "main". */
  ref: string;
  installationId: number;
  /** The event that started the run; default "push". */
  event?: string;
  deploymentId?: number;
  hookId?: number;
  /** Default: the fake's own …/actions/runs/{runId}/deployment_protection_rule. */
  callbackUrl?: string;
  /** Top-level fields merged over the payload (a field set to undefined is dropped). */
  overrides?: Record<string, unknown>;
  /** "wrong": signed with another secret; "missing": no X-Hub-Signature-256. Default "valid". */
  signature?: 'valid' | 'wrong' | 'missing';
}

export interface DeliveryResult {
  status: number;
  body: string;
  deliveryId: string;
  /** The exact bytes sent, and what they encode. */
  rawBody: string;
  payload: Record<string, unknown>;
  headers: Record<string, string>;
}

export interface FakeGithub {
  /** The api_url to configure, e.g. http://127.0.0.1:PORT or http://127.0.0.1:PORT/api/v3. */
  readonly url: string;
  readonly dispatches: RecordedDispatch[];
  readonly requests: RecordedRequest[];
  /** Conclusion of runs dispatched from now on. */
  setConclusion(conclusion: Conclusion): void;
  /** How long after a dispatch its run is created and listed. */
  setAppearDelayMs(ms: number): void;
  /** How long a run stays queued, then in_progress. */
  setPhaseMs(queuedMs: number, inProgressMs: number): void;
  setNeverAppear(never: boolean): void;
  setNeverComplete(never: boolean): void;
  /** Primary rate limit exhausted: 403, x-ratelimit-remaining: 0, x-ratelimit-reset. */
  setRateLimited(limited: boolean): void;
  /** A token without actions:write: dispatch answers 403 "Resource not accessible by personal access token". */
  setCanWrite(canWrite: boolean): void;
  /** The next `count` requests answer `status` (e.g. 502) before anything else is checked. */
  failNext(count: number, status: number): void;
  /** The next dispatch is accepted (its run starts) but answered `status`, as when GitHub's answer is lost on the way. */
  loseNextDispatchAnswer(status: number): void;
  /** Requests are read but never answered, until set back. */
  setStalled(stalled: boolean): void;
  /** App mode: the answers GitHub accepted (204), in order. */
  readonly protectionRuleAnswers: RecordedProtectionRuleAnswer[];
  /** App mode: the installation tokens issued, in order. */
  readonly issuedTokens: IssuedToken[];
  /** The next `count` protection rule answers get `status` (e.g. 502, or 429 with { 'retry-after': '1' }) instead. */
  failNextCallbacks(count: number, status: number, headers?: Record<string, string>): void;
  /** Every installation token issued so far stops working (401), as when an installation's tokens are revoked. */
  revokeTokens(): void;
  /** Delivers a deployment_protection_rule event to `url` with GitHub's headers and signature. */
  sendProtectionRuleEvent(delivery: ProtectionRuleDelivery): Promise<DeliveryResult>;
  /** Forgets runs, recordings and every setting. */
  reset(): void;
  close(): Promise<void>;
}

const API_VERSIONS = new Set(['2022-11-28', '2026-03-10']);

export async function startFakeGithub(options: FakeGithubOptions): Promise<FakeGithub> {
  const basePath = (options.basePath ?? '').replace(/\/+$/, '');
  const requests: RecordedRequest[] = [];
  const defaults = { rateLimited: false, failCount: 0, failStatus: 502, stalled: false };
  let s = { ...defaults };
  const stalledResponses = new Set<ServerResponse>();
  const { send, error } = createResponder();
  const app = options.app ? createAppSide(options.app, send, error) : undefined;
  const workflows = createWorkflowRuns({ repository: options.repository ?? '', workflows: options.workflows ?? [], refs: options.refs ?? ['main'], apiUrl: () => url, send, error });

  function route(req: IncomingMessage, raw: string, res: ServerResponse) {
    const u = new URL(req.url ?? '/', 'http://fake');
    requests.push({ method: req.method ?? '', path: u.pathname, query: Object.fromEntries(u.searchParams), headers: req.headers });
    if (s.stalled) return void stalledResponses.add(res);
    if (s.failCount > 0) {
      s.failCount--;
      return send(res, s.failStatus, { message: 'Server Error' });
    }
    if (!u.pathname.startsWith(`${basePath}/`)) return error(res, 404, 'Not Found', DOCS.auth);
    const path = u.pathname.slice(basePath.length);

    const version = req.headers['x-github-api-version'];
    if (typeof version === 'string' && !API_VERSIONS.has(version)) {
      return error(res, 400, `API version ${version} is not supported.`, 'https://docs.github.com/rest/about-the-rest-api/api-versions');
    }
    if (app?.route(req, path, raw, res)) return;
    const auth = /^(?:Bearer|token)\s+(\S+)$/i.exec(String(req.headers.authorization ?? ''));
    if (!auth) return error(res, 401, 'Requires authentication', DOCS.auth);
    if (!options.token || auth[1] !== options.token) return error(res, 401, 'Bad credentials', DOCS.auth);
    if (s.rateLimited) {
      const reset = String(Math.floor(Date.now() / 1000) + 1800);
      return error(res, 403, 'API rate limit exceeded for user ID 1. If you reach out to GitHub Support for help, please include the request ID FAKE:0.', DOCS.rateLimit, {
        'x-ratelimit-remaining': '0',
        'x-ratelimit-reset': reset,
      });
    }
    workflows.route(req, path, u.searchParams, raw, res);
  }

  const server: Server = createServer((req, res) => {
    let raw = '';
    req.on('data', (c: Buffer) => (raw += c.toString('utf8')));
    req.on('end', () => route(req, raw, res));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}${basePath}`;

  return {
    url,
    dispatches: workflows.dispatches,
    requests,
    setConclusion: (c) => void (workflows.settings.conclusion = c),
    setAppearDelayMs: (ms) => void (workflows.settings.appearDelayMs = ms),
    setPhaseMs: (queuedMs, inProgressMs) => void Object.assign(workflows.settings, { queuedMs, inProgressMs }),
    setNeverAppear: (never) => void (workflows.settings.neverAppear = never),
    setNeverComplete: (never) => void (workflows.settings.neverComplete = never),
    setRateLimited: (limited) => void (s.rateLimited = limited),
    setCanWrite: (canWrite) => void (workflows.settings.canWrite = canWrite),
    failNext: (count, status) => void Object.assign(s, { failCount: count, failStatus: status }),
    protectionRuleAnswers: app?.answers ?? [],
    issuedTokens: app?.issued ?? [],
    failNextCallbacks(count, status, headers = {}) {
      if (!app) throw new Error('failNextCallbacks needs the fake started with `app`');
      app.failNext = { count, status, headers };
    },
    revokeTokens: () => app?.revoke(),
    sendProtectionRuleEvent: (delivery) => sendProtectionRuleEvent(url, options.app?.id, delivery),
    loseNextDispatchAnswer: (status) => void (workflows.settings.lostDispatchStatus = status),
    setStalled(stalled) {
      s.stalled = stalled;
      if (!stalled) for (const res of stalledResponses) res.destroy();
      if (!stalled) stalledResponses.clear();
    },
    reset() {
      s = { ...defaults };
      workflows.reset();
      requests.length = 0;
      app?.reset();
      for (const res of stalledResponses) res.destroy();
      stalledResponses.clear();
    },
    close() {
      for (const res of stalledResponses) res.destroy();
      server.closeAllConnections();
      return new Promise<void>((r) => server.close(() => r()));
    },
  };
}

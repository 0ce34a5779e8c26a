import { createHmac, createPublicKey, randomBytes, randomUUID, verify, type KeyObject } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

// A local stand-in for the parts of GitHub's REST API a workflow_dispatch rollback uses: create a workflow dispatch
// event, list a workflow's runs, get a run (docs.github.com/en/rest/actions/workflows, …/actions/workflow-runs).
// Status codes, error bodies and run objects follow GitHub's shapes, so the executor is tested against the answers it
// will really get, including the unpleasant ones (401, 403 rate limits, 404, 422, 5xx, silence).
//
// With `app`, it is also the GitHub side of a GitHub App's custom deployment protection rule: it issues installation
// tokens for a JWT signed by the App's key (docs.github.com/en/apps/creating-github-apps/authenticating-with-a-github-app),
// takes the App's answers on …/actions/runs/{run_id}/deployment_protection_rule, and sends the deployment_protection_rule
// webhook event as GitHub delivers it (sendProtectionRuleEvent).

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

interface Run {
  id: number;
  runNumber: number;
  workflow: FakeWorkflow;
  headBranch: string;
  displayTitle: string;
  conclusion: Conclusion;
  /** Epoch ms at which the run is created (listable), starts, and completes; Infinity for never. */
  appearsAt: number;
  startsAt: number;
  completesAt: number;
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
const DOCS = {
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
const iso = (ms: number) => new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');

export async function startFakeGithub(options: FakeGithubOptions): Promise<FakeGithub> {
  const [owner = '', repo = ''] = (options.repository ?? '').split('/');
  const workflows = options.workflows ?? [];
  const refs = new Set(options.refs ?? ['main']);
  const basePath = (options.basePath ?? '').replace(/\/+$/, '');
  const dispatches: RecordedDispatch[] = [];
  const requests: RecordedRequest[] = [];
  let runs: Run[] = [];
  let nextRunId = 9_000_000_001;
  const runNumbers = new Map<number, number>();
  const defaults = { conclusion: 'success' as Conclusion, appearDelayMs: 0, queuedMs: 100, inProgressMs: 150, neverAppear: false, neverComplete: false, rateLimited: false, canWrite: true, failCount: 0, failStatus: 502, lostDispatchStatus: 0, stalled: false };
  let s = { ...defaults };
  let used = 0;
  const stalledResponses = new Set<ServerResponse>();

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
  const app = options.app ? createAppSide(options.app, send, error) : undefined;

  function statusOf(run: Run, now: number): { status: 'queued' | 'in_progress' | 'completed'; updatedAt: number } {
    if (now >= run.completesAt) return { status: 'completed', updatedAt: run.completesAt };
    if (now >= run.startsAt) return { status: 'in_progress', updatedAt: run.startsAt };
    return { status: 'queued', updatedAt: run.appearsAt };
  }

  // The workflow run object, with the fields GitHub documents for "Get a workflow run" (minus repository objects).
  function runView(run: Run, now: number) {
    const { status, updatedAt } = statusOf(run, now);
    const apiBase = `${url}/repos/${owner}/${repo}`;
    return {
      id: run.id,
      name: run.workflow.name,
      node_id: `WFR_fake${run.id}`,
      head_branch: run.headBranch,
      head_sha: '009b8a3a9ccbb128af87f9b1c0f4c62e8a304f6d',
      path: `.github/workflows/${run.workflow.file}`,
      display_title: run.displayTitle,
      run_number: run.runNumber,
      event: 'workflow_dispatch',
      status,
      conclusion: status === 'completed' ? run.conclusion : null,
      workflow_id: run.workflow.id,
      check_suite_id: run.id + 1,
      url: `${apiBase}/actions/runs/${run.id}`,
      html_url: `https://github.com/${owner}/${repo}/actions/runs/${run.id}`,
      pull_requests: [],
      created_at: iso(run.appearsAt),
      updated_at: iso(updatedAt),
      actor: { login: 'backstop-bot', id: 1, type: 'Bot' },
      triggering_actor: { login: 'backstop-bot', id: 1, type: 'Bot' },
      run_attempt: 1,
      run_started_at: iso(run.appearsAt),
      jobs_url: `${apiBase}/actions/runs/${run.id}/jobs`,
      logs_url: `${apiBase}/actions/runs/${run.id}/logs`,
      cancel_url: `${apiBase}/actions/runs/${run.id}/cancel`,
      rerun_url: `${apiBase}/actions/runs/${run.id}/rerun`,
      workflow_url: `${apiBase}/actions/workflows/${run.workflow.id}`,
    };
  }

  const findWorkflow = (idOrFile: string) => workflows.find((w) => String(w.id) === idOrFile || w.file === idOrFile);

  // created=>=2024-01-01T00:00:00Z, >, <=, <, a..b, or a plain date/time (GitHub's search date syntax).
  function createdMatches(filter: string, createdMs: number): boolean {
    const at = (text: string) => Date.parse(text);
    const created = Math.floor(createdMs / 1000) * 1000;
    const m = /^(>=|<=|>|<)(.+)$/.exec(filter);
    if (m) {
      const t = at(m[2]!);
      return m[1] === '>=' ? created >= t : m[1] === '<=' ? created <= t : m[1] === '>' ? created > t : created < t;
    }
    const range = /^(.+)\.\.(.+)$/.exec(filter);
    if (range) return (range[1] === '*' || created >= at(range[1]!)) && (range[2] === '*' || created <= at(range[2]!));
    if (/^\d{4}-\d{2}-\d{2}$/.test(filter)) return iso(created).startsWith(filter);
    return created === at(filter);
  }

  function dispatch(workflow: FakeWorkflow, raw: string, req: IncomingMessage, res: ServerResponse) {
    let body: RecordedDispatch['body'];
    try {
      body = JSON.parse(raw) as RecordedDispatch['body'];
    } catch {
      return error(res, 400, 'Problems parsing JSON', DOCS.dispatch);
    }
    if (!s.canWrite) return error(res, 403, 'Resource not accessible by personal access token', DOCS.dispatch);
    if (typeof body.ref !== 'string') return error(res, 422, 'Invalid request.\n\n"ref" wasn\'t supplied.', DOCS.dispatch);
    const ref = body.ref.replace(/^refs\/(?:heads|tags)\//, '');
    if (!refs.has(ref)) return error(res, 422, `No ref found for: ${body.ref}`, DOCS.dispatch);
    const inputs = body.inputs ?? {};
    const unexpected = Object.keys(inputs).filter((k) => !(k in workflow.inputs));
    if (unexpected.length > 0) return error(res, 422, `Unexpected inputs provided: ${JSON.stringify(unexpected)}`, DOCS.dispatch);
    const missing = Object.entries(workflow.inputs).find(([k, spec]) => spec.required && (inputs[k] === undefined || inputs[k] === ''));
    if (missing) return error(res, 422, `Required input '${missing[0]}' not provided`, DOCS.dispatch);

    dispatches.push({ workflow: workflow.file, body, headers: req.headers });
    const now = Date.now();
    const appearsAt = s.neverAppear ? Infinity : now + s.appearDelayMs;
    const startsAt = appearsAt + s.queuedMs;
    const runNumber = (runNumbers.get(workflow.id) ?? 0) + 1;
    runNumbers.set(workflow.id, runNumber);
    runs.push({
      id: nextRunId++,
      runNumber,
      workflow,
      headBranch: ref,
      displayTitle: workflow.runName ? workflow.runName.replace(/\$\{\{\s*inputs\.([A-Za-z0-9_-]+)\s*\}\}/g, (_m, k: string) => String(inputs[k] ?? '')) : workflow.name,
      conclusion: s.conclusion,
      appearsAt,
      startsAt,
      completesAt: s.neverComplete ? Infinity : startsAt + s.inProgressMs,
    });
    if (s.lostDispatchStatus) {
      const status = s.lostDispatchStatus;
      s.lostDispatchStatus = 0;
      return send(res, status, { message: 'Server Error' });
    }
    return send(res, 204, undefined);
  }

  function listRuns(workflow: FakeWorkflow, query: URLSearchParams, res: ServerResponse) {
    const now = Date.now();
    const perPage = Math.min(Number(query.get('per_page') ?? 30) || 30, 100);
    const page = Math.max(Number(query.get('page') ?? 1) || 1, 1);
    const matching = runs
      .filter((r) => r.workflow === workflow && r.appearsAt <= now)
      .filter((r) => !query.get('event') || query.get('event') === 'workflow_dispatch')
      .filter((r) => !query.get('branch') || r.headBranch === query.get('branch'))
      .filter((r) => {
        const want = query.get('status');
        if (!want) return true;
        const v = runView(r, now);
        return v.status === want || v.conclusion === want;
      })
      .filter((r) => !query.get('created') || createdMatches(query.get('created')!, r.appearsAt))
      .sort((a, b) => b.id - a.id);
    send(res, 200, { total_count: matching.length, workflow_runs: matching.slice((page - 1) * perPage, page * perPage).map((r) => runView(r, now)) });
  }

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

    const m = /^\/repos\/([^/]+)\/([^/]+)\/actions\/(?:workflows\/([^/]+)\/(dispatches|runs)|runs\/(\d+))$/.exec(path);
    // GitHub answers 404, not 403, for a repository the token cannot see.
    if (!m || m[1]!.toLowerCase() !== owner.toLowerCase() || m[2]!.toLowerCase() !== repo.toLowerCase()) return error(res, 404, 'Not Found', DOCS.auth);
    if (m[5]) {
      if (req.method !== 'GET') return error(res, 404, 'Not Found', DOCS.getRun);
      const run = runs.find((r) => r.id === Number(m[5]) && r.appearsAt <= Date.now());
      return run ? send(res, 200, runView(run, Date.now())) : error(res, 404, 'Not Found', DOCS.getRun);
    }
    const workflow = findWorkflow(decodeURIComponent(m[3]!));
    if (m[4] === 'dispatches') {
      if (req.method !== 'POST') return error(res, 404, 'Not Found', DOCS.dispatch);
      return workflow ? dispatch(workflow, raw, req, res) : error(res, 404, 'Not Found', DOCS.dispatch);
    }
    if (req.method !== 'GET') return error(res, 404, 'Not Found', DOCS.listRuns);
    return workflow ? listRuns(workflow, u.searchParams, res) : error(res, 404, 'Not Found', DOCS.listRuns);
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
    dispatches,
    requests,
    setConclusion: (c) => void (s.conclusion = c),
    setAppearDelayMs: (ms) => void (s.appearDelayMs = ms),
    setPhaseMs: (queuedMs, inProgressMs) => void Object.assign(s, { queuedMs, inProgressMs }),
    setNeverAppear: (never) => void (s.neverAppear = never),
    setNeverComplete: (never) => void (s.neverComplete = never),
    setRateLimited: (limited) => void (s.rateLimited = limited),
    setCanWrite: (canWrite) => void (s.canWrite = canWrite),
    failNext: (count, status) => void Object.assign(s, { failCount: count, failStatus: status }),
    protectionRuleAnswers: app?.answers ?? [],
    issuedTokens: app?.issued ?? [],
    failNextCallbacks(count, status, headers = {}) {
      if (!app) throw new Error('failNextCallbacks needs the fake started with `app`');
      app.failNext = { count, status, headers };
    },
    revokeTokens: () => app?.revoke(),
    sendProtectionRuleEvent: (delivery) => sendProtectionRuleEvent(url, options.app?.id, delivery),
    loseNextDispatchAnswer: (status) => void (s.lostDispatchStatus = status),
    setStalled(stalled) {
      s.stalled = stalled;
      if (!stalled) for (const res of stalledResponses) res.destroy();
      if (!stalled) stalledResponses.clear();
    },
    reset() {
      s = { ...defaults };
      runs = [];
      runNumbers.clear();
      nextRunId = 9_000_000_001;
      dispatches.length = 0;
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

// ─── App mode: installation tokens, the protection rule callback, and the webhook event ───────────────────────────

type Send = (res: ServerResponse, status: number, body: unknown, headers?: Record<string, string>) => void;
type SendError = (res: ServerResponse, status: number, message: string, documentation_url: string, headers?: Record<string, string>) => void;

const HOUR_MS = 3_600_000;
/** GitHub shows protection rule comments of up to 1024 characters. */
const MAX_COMMENT = 1024;
const JWT_UNREADABLE = 'A JSON web token could not be decoded';
const SECONDARY_LIMIT = 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.';
/** What GitHub says with the statuses failNextCallbacks injects. */
const INJECTED_MESSAGES: Record<number, string> = { 401: 'Bad credentials', 403: SECONDARY_LIMIT, 404: 'Not Found', 422: 'Validation Failed', 429: SECONDARY_LIMIT };

function createAppSide(app: FakeGithubApp, send: Send, error: SendError) {
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
async function sendProtectionRuleEvent(apiUrl: string, appId: number | undefined, delivery: ProtectionRuleDelivery): Promise<DeliveryResult> {
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

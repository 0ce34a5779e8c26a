import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

// A local stand-in for the parts of GitHub's REST API a workflow_dispatch rollback uses: create a workflow dispatch
// event, list a workflow's runs, get a run (docs.github.com/en/rest/actions/workflows, …/actions/workflow-runs).
// Status codes, error bodies and run objects follow GitHub's shapes, so the executor is tested against the answers it
// will really get, including the unpleasant ones (401, 403 rate limits, 404, 422, 5xx, silence).

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

export interface FakeGithubOptions {
  token: string;
  repository: string;
  workflows: FakeWorkflow[];
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
  /** Forgets runs, recordings and every setting. */
  reset(): void;
  close(): Promise<void>;
}

const API_VERSIONS = new Set(['2022-11-28', '2026-03-10']);
const DOCS = {
  dispatch: 'https://docs.github.com/rest/actions/workflows#create-a-workflow-dispatch-event',
  listRuns: 'https://docs.github.com/rest/actions/workflow-runs#list-workflow-runs-for-a-workflow',
  getRun: 'https://docs.github.com/rest/actions/workflow-runs#get-a-workflow-run',
  auth: 'https://docs.github.com/rest',
  rateLimit: 'https://docs.github.com/rest/using-the-rest-api/rate-limits-for-the-rest-api',
};
const RATE_LIMIT = 5000;

// GitHub's timestamps have whole seconds.
const iso = (ms: number) => new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');

export async function startFakeGithub(options: FakeGithubOptions): Promise<FakeGithub> {
  const [owner = '', repo = ''] = options.repository.split('/');
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

  const findWorkflow = (idOrFile: string) => options.workflows.find((w) => String(w.id) === idOrFile || w.file === idOrFile);

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
    const auth = /^(?:Bearer|token)\s+(\S+)$/i.exec(String(req.headers.authorization ?? ''));
    if (!auth) return error(res, 401, 'Requires authentication', DOCS.auth);
    if (auth[1] !== options.token) return error(res, 401, 'Bad credentials', DOCS.auth);
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

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Conclusion, FakeWorkflow, RecordedDispatch } from './fake-github.ts';
import { DOCS, iso, type Send, type SendError } from './fake-github-responses.ts';

// The Actions workflow part of the fake GitHub: create a workflow dispatch event, list a workflow's runs, get a run,
// for the one repository it serves. The server checks the token and the rate limit before handing a request here.

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

interface WorkflowRunsOptions {
  /** "owner/name". */
  repository: string;
  workflows: FakeWorkflow[];
  /** Branches and tags dispatch accepts. */
  refs: string[];
  /** The fake's API URL, known once it listens. */
  apiUrl: () => string;
  send: Send;
  error: SendError;
}

const DEFAULTS = { conclusion: 'success' as Conclusion, appearDelayMs: 0, queuedMs: 100, inProgressMs: 150, neverAppear: false, neverComplete: false, canWrite: true, lostDispatchStatus: 0 };
const FIRST_RUN_ID = 9_000_000_001;

/** The workflow endpoints and their runs; `settings` is what the fake's setters change. */
export function createWorkflowRuns(options: WorkflowRunsOptions) {
  const { workflows, send, error } = options;
  const [owner = '', repo = ''] = options.repository.split('/');
  const refs = new Set(options.refs);
  const dispatches: RecordedDispatch[] = [];
  const settings = { ...DEFAULTS };
  let runs: Run[] = [];
  let nextRunId = FIRST_RUN_ID;
  const runNumbers = new Map<number, number>();

  function statusOf(run: Run, now: number): { status: 'queued' | 'in_progress' | 'completed'; updatedAt: number } {
    if (now >= run.completesAt) return { status: 'completed', updatedAt: run.completesAt };
    if (now >= run.startsAt) return { status: 'in_progress', updatedAt: run.startsAt };
    return { status: 'queued', updatedAt: run.appearsAt };
  }

  // The workflow run object, with the fields GitHub documents for "Get a workflow run" (minus repository objects).
  function runView(run: Run, now: number) {
    const { status, updatedAt } = statusOf(run, now);
    const apiBase = `${options.apiUrl()}/repos/${owner}/${repo}`;
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
    if (!settings.canWrite) return error(res, 403, 'Resource not accessible by personal access token', DOCS.dispatch);
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
    const appearsAt = settings.neverAppear ? Infinity : now + settings.appearDelayMs;
    const startsAt = appearsAt + settings.queuedMs;
    const runNumber = (runNumbers.get(workflow.id) ?? 0) + 1;
    runNumbers.set(workflow.id, runNumber);
    runs.push({
      id: nextRunId++,
      runNumber,
      workflow,
      headBranch: ref,
      displayTitle: workflow.runName ? workflow.runName.replace(/\$\{\{\s*inputs\.([A-Za-z0-9_-]+)\s*\}\}/g, (_m, k: string) => String(inputs[k] ?? '')) : workflow.name,
      conclusion: settings.conclusion,
      appearsAt,
      startsAt,
      completesAt: settings.neverComplete ? Infinity : startsAt + settings.inProgressMs,
    });
    if (settings.lostDispatchStatus) {
      const status = settings.lostDispatchStatus;
      settings.lostDispatchStatus = 0;
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

  /** Serves a request to a workflow endpoint; any other path gets GitHub's 404. */
  function route(req: IncomingMessage, path: string, query: URLSearchParams, raw: string, res: ServerResponse) {
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
    return workflow ? listRuns(workflow, query, res) : error(res, 404, 'Not Found', DOCS.listRuns);
  }

  function reset() {
    Object.assign(settings, DEFAULTS);
    runs = [];
    runNumbers.clear();
    nextRunId = FIRST_RUN_ID;
    dispatches.length = 0;
  }

  return { dispatches, settings, route, reset };
}

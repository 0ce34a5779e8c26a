import type { GithubActionsExecutorConfig } from '../config/schema.ts';
import type { Logger } from '../logging/logger.ts';
import type { ExecutionOutcome, ExecutionRequest, Executor } from './types.ts';
import { formatDuration } from '../config/duration.ts';

export interface GithubActionsExecutorDeps {
  logger: Logger;
  secret(name: string): string | undefined;
  fetch: typeof fetch;
  sleep(ms: number): Promise<void>;
  clock(): Date;
  /** The longest one GitHub request may take before it counts as a network failure; default 30 s. */
  requestTimeoutMs?: number;
}

type Failure = Extract<ExecutionOutcome, { ok: false }>;
type Answer = { status: number; body: Record<string, unknown>; headers: Headers };
type Transient = { transient: string };

/** The fields of GitHub's workflow run object this executor reads. */
interface WorkflowRun {
  id: number;
  run_number: number;
  display_title: string;
  status: string;
  conclusion: string | null;
  html_url: string;
}

const API_VERSION = '2022-11-28';
const REQUEST_TIMEOUT_MS = 30_000;
// 5xx and network failures: four attempts, 1 s, 2 s, 4 s apart. Anything longer is better left to the job's own retry,
// which is safe because a retried execute() finds the run this one dispatched instead of dispatching again.
const ATTEMPTS = 4;
const BACKOFF_MS = 1_000;
// The dispatch call returns before the run exists and GitHub stamps created_at on its own clock: look a little earlier.
const CLOCK_SKEW_MS = 10_000;
const MAX_MESSAGE = 300;

// GitHub's date filter takes whole seconds.
const isoSeconds = (ms: number) => new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');

/** The branch or tag name GitHub reports as head_branch for a run dispatched on `ref`. */
const refName = (ref: string) => ref.replace(/^refs\/(?:heads|tags)\//, '');

// Dispatches the rollback workflow (workflow_dispatch) and follows its run to a conclusion. The dispatch API answers
// 204 without the run's id, so the run is found by its title: the workflow sets `run-name: "backstop rollback
// ${{ inputs.event_id }}"`, and the event id in display_title ties the run to this rollback. The same lookup, done
// before dispatching, is what makes this executor resumable: a second execute() for an event attaches to the run the
// first one started.
export function createGithubActionsExecutor(config: GithubActionsExecutorConfig, deps: GithubActionsExecutorDeps): Executor {
  const api = config.api_url.replace(/\/+$/, '');
  const [owner = '', repo = ''] = config.repository.split('/');
  const repoPath = `${api}/repos/${encodeURIComponent(owner)}/${encodeURIComponent(repo)}`;
  const workflowPath = `${repoPath}/actions/workflows/${encodeURIComponent(config.workflow)}`;
  const requestTimeout = deps.requestTimeoutMs ?? REQUEST_TIMEOUT_MS;
  const now = () => deps.clock().getTime();

  // Resolves when the sleep ends or the request is aborted, whichever is first.
  async function pause(ms: number, signal: AbortSignal): Promise<void> {
    if (signal.aborted) return;
    let wake = () => {};
    const woken = new Promise<void>((resolve) => (wake = resolve));
    signal.addEventListener('abort', wake, { once: true });
    await Promise.race([deps.sleep(ms), woken]);
    signal.removeEventListener('abort', wake);
  }

  /**
   * One GitHub request. Answers the caller must interpret (2xx, 404, 422, other 4xx) come back as an Answer; what means
   * the same on every endpoint (abort, 401, 403, rate limits) as the Failure to report; 5xx and network failures as a
   * Transient problem the caller may retry.
   */
  async function request(method: 'GET' | 'POST', url: string, token: string, req: ExecutionRequest, what: string, body?: unknown): Promise<Answer | Failure | Transient> {
    if (req.signal.aborted) return aborted();
    try {
      const res = await deps.fetch(url, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          accept: 'application/vnd.github+json',
          'x-github-api-version': API_VERSION,
          'user-agent': 'backstop',
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.any([req.signal, AbortSignal.timeout(requestTimeout)]),
      });
      const text = await res.text();
      let parsed: Record<string, unknown> = {};
      try {
        const json: unknown = text ? JSON.parse(text) : {};
        if (json && typeof json === 'object') parsed = json as Record<string, unknown>;
      } catch {
        // An HTML error page from a proxy: judged by status alone.
      }
      const answer: Answer = { status: res.status, body: parsed, headers: res.headers };
      if (answer.status >= 500 || answer.status === 408) return { transient: `GitHub answered ${answer.status} to ${what}` };
      return generalFailure(answer, token) ?? answer;
    } catch (err) {
      if (req.signal.aborted) return aborted();
      const e = err as Error;
      return {
        transient: e.name === 'TimeoutError' ? `GitHub did not answer ${what} within ${formatDuration(requestTimeout)}` : `cannot reach ${new URL(api).host} for ${what} (${e.message})`,
      };
    }
  }

  /** A request that is safe to repeat (a GET): 5xx and network failures are retried with backoff. */
  async function call(url: string, token: string, req: ExecutionRequest, what: string): Promise<Answer | Failure> {
    for (let attempt = 1; ; attempt++) {
      const a = await request('GET', url, token, req, what);
      if (!('transient' in a)) return a;
      if (attempt === ATTEMPTS) return { ok: false, retryable: true, reason: `${a.transient} (after ${ATTEMPTS} attempts)` };
      req.onProgress(`${a.transient}; retrying`);
      await pause(BACKOFF_MS * 2 ** (attempt - 1), req.signal);
    }
  }

  /** What 401, 403 and 429 mean whatever was asked; undefined for answers the caller interprets. */
  function generalFailure(a: Answer, token: string): Failure | undefined {
    const message = githubMessage(a.body, token);
    if (a.status === 401) {
      return { ok: false, retryable: false, reason: `GitHub rejected the token (401): check token_env ${config.token_env} holds a valid, unexpired token${message ? ` (GitHub said: ${message})` : ''}` };
    }
    if (a.status === 403 || a.status === 429) {
      const remaining = a.headers.get('x-ratelimit-remaining');
      const reset = Number(a.headers.get('x-ratelimit-reset') ?? NaN);
      const retryAfter = Number(a.headers.get('retry-after') ?? NaN);
      if (remaining === '0') {
        const at = Number.isFinite(reset) ? new Date(reset * 1000).toISOString() : 'an unknown time';
        return { ok: false, retryable: true, reason: `GitHub API rate limit for the token in ${config.token_env} is exhausted (${a.status}); it resets at ${at}` };
      }
      // Secondary (abuse) limits come with retry-after and no exhausted primary quota.
      if (a.status === 429 || Number.isFinite(retryAfter) || /secondary rate limit/i.test(message)) {
        return { ok: false, retryable: true, reason: `GitHub secondary rate limit hit (${a.status})${Number.isFinite(retryAfter) ? `; retry after ${retryAfter}s` : ''}` };
      }
      return {
        ok: false,
        retryable: false,
        reason: `the token in ${config.token_env} lacks permission (403${message ? `: ${message}` : ''}): it needs actions:write (fine-grained token: Actions read and write) on ${config.repository}`,
      };
    }
    return undefined;
  }

  const notFound = (): Failure => ({ ok: false, retryable: false, reason: `workflow ${config.workflow} not found in ${config.repository} (or the token cannot see the repository)` });
  const unexpected = (a: Answer, what: string, token: string): Failure => ({
    ok: false,
    retryable: false,
    reason: `GitHub answered ${a.status} to ${what}${githubMessage(a.body, token) ? `: ${githubMessage(a.body, token)}` : ''}`,
  });

  /** Runs of the workflow dispatched on the ref since `sinceMs` whose title carries the event id, oldest first. */
  async function findRuns(token: string, req: ExecutionRequest, sinceMs: number): Promise<WorkflowRun[] | Failure> {
    const query = new URLSearchParams({ event: 'workflow_dispatch', branch: refName(config.ref), created: `>=${isoSeconds(sinceMs)}`, per_page: '100' });
    const a = await call(`${workflowPath}/runs?${query}`, token, req, 'the workflow runs list');
    if ('ok' in a) return a;
    if (a.status === 404) return notFound();
    if (a.status !== 200) return unexpected(a, 'the workflow runs list', token);
    const runs = Array.isArray(a.body.workflow_runs) ? (a.body.workflow_runs as WorkflowRun[]) : [];
    return runs.filter((r) => typeof r.display_title === 'string' && r.display_title.includes(req.eventId)).sort((x, y) => x.id - y.id);
  }

  /**
   * POSTs the workflow_dispatch event. A 5xx or a lost answer leaves unknown whether GitHub accepted it, so before
   * POSTing again it looks for the run: dispatching twice would run the rollback twice. Returns the run when that
   * look finds one, undefined once GitHub accepted the dispatch.
   */
  async function dispatch(token: string, req: ExecutionRequest, dispatchedAt: number): Promise<Failure | WorkflowRun | undefined> {
    // Backstop's own inputs last: the schema refuses extra inputs of these names, and this keeps the event id honest anyway.
    const inputs = { ...config.inputs, target_version: req.plan.target.version, target_commit: req.plan.target.git_commit, event_id: req.eventId };
    for (let attempt = 1; ; attempt++) {
      const a = await request('POST', `${workflowPath}/dispatches`, token, req, 'the workflow dispatch', { ref: config.ref, inputs });
      if ('transient' in a) {
        if (attempt === ATTEMPTS) return { ok: false, retryable: true, reason: `${a.transient} (after ${ATTEMPTS} attempts)` };
        req.onProgress(`${a.transient}; checking whether the run started anyway before dispatching again`);
        await pause(BACKOFF_MS * 2 ** (attempt - 1), req.signal);
        const runs = await findRuns(token, req, dispatchedAt - CLOCK_SKEW_MS);
        if (!Array.isArray(runs)) return runs;
        if (runs[0]) return runs[0];
        continue;
      }
      if ('ok' in a) return a;
      if (a.status === 204 || a.status === 200) return undefined;
      if (a.status === 404) return notFound();
      if (a.status === 422) {
        return {
          ok: false,
          retryable: false,
          reason:
            `GitHub refused to dispatch ${config.workflow} (422): ${githubMessage(a.body, token) || 'validation failed'}; ` +
            `check that the workflow's on.workflow_dispatch.inputs accept ${Object.keys(inputs).join(', ')} and that ref ${config.ref} exists in ${config.repository}`,
        };
      }
      return unexpected(a, 'the workflow dispatch', token);
    }
  }

  /**
   * Reports `firstLine`, then polls the run until it completes, reporting each status change
   * (queued → in_progress → completed). The timeout counts from `startedMs`.
   */
  async function follow(run: WorkflowRun, firstLine: string, token: string, req: ExecutionRequest, startedMs: number): Promise<ExecutionOutcome> {
    req.onProgress(firstLine);
    deps.logger.info({ eventId: req.eventId, repository: config.repository, runId: run.id, runNumber: run.run_number }, 'following the github-actions rollback run');
    const deadline = startedMs + config.timeout;
    // A run found already completed still gets its "completed" line.
    let reported = run.status === 'completed' ? '' : run.status;
    let current = run;
    for (;;) {
      if (current.status !== reported) {
        reported = current.status;
        req.onProgress(reported === 'completed' ? `run #${current.run_number} completed: ${current.conclusion ?? 'no conclusion'}` : `run #${current.run_number} ${reported}`);
      }
      if (current.status === 'completed') {
        const details = { run_id: current.id, run_number: current.run_number, html_url: current.html_url, conclusion: current.conclusion };
        deps.logger.info({ eventId: req.eventId, repository: config.repository, runId: current.id, conclusion: current.conclusion }, 'github-actions rollback run completed');
        if (current.conclusion === 'success') return { ok: true, summary: `workflow run #${current.run_number} concluded success: ${current.html_url}`, details };
        return { ok: false, retryable: false, reason: `workflow run #${current.run_number} concluded ${current.conclusion ?? 'without a conclusion'}: ${current.html_url}`, details };
      }
      if (now() >= deadline) {
        return { ok: false, retryable: false, reason: `workflow run #${current.run_number} did not finish within ${formatDuration(config.timeout)}: ${current.html_url}` };
      }
      await pause(config.poll_interval, req.signal);
      if (req.signal.aborted) return aborted();
      const a = await call(`${repoPath}/actions/runs/${current.id}`, token, req, `workflow run #${current.run_number}`);
      if ('ok' in a) return a;
      if (a.status === 404) return { ok: false, retryable: false, reason: `workflow run #${current.run_number} no longer exists in ${config.repository}: ${current.html_url}` };
      if (a.status !== 200) return unexpected(a, `workflow run #${current.run_number}`, token);
      current = a.body as unknown as WorkflowRun;
    }
  }

  const found = (run: WorkflowRun) => `run #${run.run_number} ${run.status}: ${run.html_url}`;

  return {
    kind: 'github-actions',
    resumable: true,
    async execute(req) {
      const token = deps.secret(config.token_env);
      if (!token) return { ok: false, retryable: false, reason: `GitHub token env ${config.token_env} is not set` };

      // A run for this event may exist already: a retried job, or a worker that crashed while the run was going. It can
      // have been dispatched up to find_timeout + timeout ago and still matter, so look back that far.
      const existing = await findRuns(token, req, now() - config.find_timeout - config.timeout - CLOCK_SKEW_MS);
      if (!Array.isArray(existing)) return existing;
      if (existing[0]) {
        await req.onStarted({ workflow_run_id: existing[0].id, attached: true });
        return follow(existing[0], `attached to ${found(existing[0])} (already dispatched for this event)`, token, req, now());
      }

      const dispatchedAt = now();
      const dispatched = await dispatch(token, req, dispatchedAt);
      if (dispatched && 'ok' in dispatched) return dispatched;
      // GitHub accepted the dispatch (or a run for it was found): the rollback has begun.
      await req.onStarted(dispatched ? { workflow_run_id: dispatched.id } : { dispatch_accepted: true });
      if (dispatched) return follow(dispatched, found(dispatched), token, req, dispatchedAt);
      deps.logger.info({ eventId: req.eventId, repository: config.repository, workflow: config.workflow, ref: config.ref }, 'dispatched the github-actions rollback workflow');
      req.onProgress(`dispatched ${config.workflow} on ${config.ref} in ${config.repository}`);

      const findDeadline = dispatchedAt + config.find_timeout;
      for (;;) {
        const runs = await findRuns(token, req, dispatchedAt - CLOCK_SKEW_MS);
        if (!Array.isArray(runs)) return runs;
        if (runs[0]) return follow(runs[0], found(runs[0]), token, req, dispatchedAt);
        if (now() >= findDeadline) {
          return {
            ok: false,
            retryable: false,
            reason: `no workflow run for event ${req.eventId} appeared within ${formatDuration(config.find_timeout)}; does the workflow set run-name to include inputs.event_id?`,
          };
        }
        await pause(config.poll_interval, req.signal);
        if (req.signal.aborted) return aborted();
      }
    },
  };
}

const aborted = (): Failure => ({ ok: false, retryable: true, reason: 'aborted' });

/** GitHub's `message`, shortened, with the token masked should an answer ever echo it. */
function githubMessage(body: Record<string, unknown>, token: string): string {
  const message = typeof body.message === 'string' ? body.message : '';
  return message.split(token).join('***').replace(/\s+/g, ' ').trim().slice(0, MAX_MESSAGE);
}

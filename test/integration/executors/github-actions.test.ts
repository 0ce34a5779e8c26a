import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/config/load.ts';
import type { GithubActionsExecutorConfig } from '../../../src/config/schema.ts';
import { createExecutor } from '../../../src/executors/create-executor.ts';
import { createGithubActionsExecutor } from '../../../src/executors/github-actions.ts';
import type { ExecutionOutcome } from '../../../src/executors/types.ts';
import { createLogger } from '../../../src/logging/logger.ts';
import { executionRequest } from '../../support/execution-request.ts';
import { startFakeGithub, type FakeGithub, type FakeWorkflow } from '../../support/fake-github.ts';

const TOKEN = 'github_pat_11ABCDEFG0fakeTokenValue_never_to_be_echoed';
const ROLLBACK_INPUTS = { target_version: { required: true }, target_commit: { required: true }, event_id: { required: true }, extra: {} };
const WORKFLOWS: FakeWorkflow[] = [
  { id: 161335, file: 'rollback.yml', name: 'Rollback', inputs: ROLLBACK_INPUTS, runName: 'backstop rollback ${{ inputs.event_id }}' },
  // The same workflow without run-name: GitHub titles its runs "Rollback", so backstop cannot tell them apart.
  { id: 161336, file: 'untitled.yml', name: 'Rollback', inputs: ROLLBACK_INPUTS },
];

describe('github-actions executor (a local fake GitHub API)', () => {
  let gh: FakeGithub;
  // Everything the executor said, to prove the token never appears in it.
  const said: string[] = [];
  const logs: string[] = [];
  const logger = createLogger({ level: 'debug', destination: { write: (line: string) => void logs.push(line) } });

  beforeAll(async () => {
    gh = await startFakeGithub({ token: TOKEN, repository: 'acme/payments', workflows: WORKFLOWS, refs: ['main', 'release'] });
  });
  afterAll(() => gh.close());
  beforeEach(() => gh.reset());

  const make = (over: Partial<GithubActionsExecutorConfig> = {}, opts: { token?: string | null; requestTimeoutMs?: number; api?: string } = {}) =>
    createGithubActionsExecutor(
      {
        kind: 'github-actions',
        api_url: opts.api ?? gh.url,
        repository: 'acme/payments',
        workflow: 'rollback.yml',
        ref: 'main',
        token_env: 'GITHUB_TOKEN',
        inputs: { extra: 'value' },
        poll_interval: 50,
        find_timeout: 1_000,
        timeout: 2_000,
        ...over,
      },
      {
        logger,
        secret: (name) => (name === 'GITHUB_TOKEN' && opts.token !== null ? (opts.token ?? TOKEN) : undefined),
        fetch: globalThis.fetch,
        // Backoff waits are capped so retries take milliseconds; deadlines still run on the real clock.
        sleep: (ms) => new Promise((r) => setTimeout(r, Math.min(ms, 50))),
        clock: () => new Date(),
        ...(opts.requestTimeoutMs ? { requestTimeoutMs: opts.requestTimeoutMs } : {}),
      },
    );

  async function run(executor = make(), eventId = randomUUID(), over: Parameters<typeof executionRequest>[0] = {}) {
    const req = executionRequest({ eventId, idempotencyKey: eventId, ...over });
    const outcome = await executor.execute(req);
    said.push(outcome.ok ? outcome.summary : outcome.reason, ...req.lines);
    return { outcome, lines: req.lines, eventId };
  }
  const runUrl = (n: number) => `https://github.com/acme/payments/actions/runs/${9_000_000_000 + n}`;

  it('dispatches with the inputs and headers GitHub expects, and reports queued → in_progress → completed', async () => {
    gh.setPhaseMs(200, 300);
    const { outcome, lines, eventId } = await run();
    expect(outcome).toMatchObject({ ok: true, summary: `workflow run #1 concluded success: ${runUrl(1)}`, details: { run_number: 1, conclusion: 'success' } });
    expect(lines).toEqual(['dispatched rollback.yml on main in acme/payments', `run #1 queued: ${runUrl(1)}`, 'run #1 in_progress', 'run #1 completed: success']);

    expect(gh.dispatches).toHaveLength(1);
    const [d] = gh.dispatches;
    expect(d!.body).toEqual({ ref: 'main', inputs: { extra: 'value', target_version: 'v2.5.2', target_commit: 'a7f3b29', event_id: eventId } });
    expect(d!.headers).toMatchObject({
      authorization: `Bearer ${TOKEN}`,
      accept: 'application/vnd.github+json',
      'x-github-api-version': '2022-11-28',
      'user-agent': 'backstop',
      'content-type': 'application/json',
    });
    const list = gh.requests.find((r) => r.path.endsWith('/actions/workflows/rollback.yml/runs'));
    expect(list!.query).toMatchObject({ event: 'workflow_dispatch', branch: 'main', created: expect.stringMatching(/^>=\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/) });
  });

  it.each(['failure', 'cancelled', 'timed_out'] as const)('reports a run that concludes %s, with its URL, as not retryable', async (conclusion) => {
    gh.setConclusion(conclusion);
    const { outcome, lines } = await run();
    expect(outcome).toMatchObject({ ok: false, retryable: false, reason: `workflow run #1 concluded ${conclusion}: ${runUrl(1)}` });
    expect(lines.at(-1)).toBe(`run #1 completed: ${conclusion}`);
  });

  it('keeps looking for a run that appears a while after the dispatch', async () => {
    gh.setAppearDelayMs(400);
    const { outcome } = await run(make({ find_timeout: 3_000 }));
    expect(outcome).toMatchObject({ ok: true });
    const listed = gh.requests.filter((r) => r.method === 'GET' && r.path.endsWith('/runs'));
    expect(listed.length).toBeGreaterThanOrEqual(4);
  });

  it('gives up on a run that never appears, saying what to check', async () => {
    gh.setNeverAppear(true);
    const started = Date.now();
    const { outcome, eventId } = await run(make({ find_timeout: 500 }));
    expect(outcome).toEqual({
      ok: false,
      retryable: false,
      reason: `no workflow run for event ${eventId} appeared within 500ms; does the workflow set run-name to include inputs.event_id?`,
    });
    expect(Date.now() - started).toBeGreaterThanOrEqual(500);
    expect(gh.dispatches).toHaveLength(1);
  });

  it('cannot find the run of a workflow that does not set run-name (its title lacks the event id)', async () => {
    const { outcome } = await run(make({ workflow: 'untitled.yml', find_timeout: 500 }));
    expect(outcome).toMatchObject({ ok: false, retryable: false, reason: expect.stringContaining('does the workflow set run-name to include inputs.event_id?') });
    expect(gh.dispatches).toHaveLength(1);
  });

  it('times out a run that never completes, with its URL', async () => {
    gh.setNeverComplete(true);
    const { outcome, lines } = await run(make({ timeout: 600 }));
    expect(outcome).toEqual({ ok: false, retryable: false, reason: `workflow run #1 did not finish within 600ms: ${runUrl(1)}` });
    expect(lines).toContain('run #1 in_progress');
  });

  it('names the variable when the token is not set', async () => {
    expect((await run(make({}, { token: null }))).outcome).toEqual({ ok: false, retryable: false, reason: 'GitHub token env GITHUB_TOKEN is not set' });
  });

  it('explains a rejected token (401) without dispatching', async () => {
    const { outcome } = await run(make({}, { token: 'ghp_expired' }));
    expect(outcome).toMatchObject({ ok: false, retryable: false, reason: expect.stringMatching(/^GitHub rejected the token \(401\): check token_env GITHUB_TOKEN .*Bad credentials/) });
    expect(gh.dispatches).toHaveLength(0);
  });

  it.each([
    ['an unknown workflow', { workflow: 'nope.yml' }, 'workflow nope.yml not found in acme/payments (or the token cannot see the repository)'],
    ['a repository the token cannot see', { repository: 'acme/secret' }, 'workflow rollback.yml not found in acme/secret (or the token cannot see the repository)'],
  ])('reports %s (404) as not retryable', async (_name, over, reason) => {
    expect((await run(make(over))).outcome).toEqual({ ok: false, retryable: false, reason });
  });

  it.each([
    ['an input the workflow does not declare', { inputs: { foo: 'x' } }, 'Unexpected inputs provided: ["foo"]'],
    ['a ref that does not exist', { ref: 'nope' }, 'No ref found for: nope'],
  ])("passes on GitHub's 422 message for %s and says what to check", async (_name, over, message) => {
    const { outcome } = await run(make(over));
    expect(outcome).toMatchObject({ ok: false, retryable: false });
    const reason = (outcome as Extract<ExecutionOutcome, { ok: false }>).reason;
    expect(reason).toContain(`GitHub refused to dispatch rollback.yml (422): ${message}`);
    expect(reason).toContain('on.workflow_dispatch.inputs');
    expect(reason).toContain('exists in acme/payments');
    expect(gh.dispatches).toHaveLength(0);
  });

  it('explains a token without actions:write (403)', async () => {
    gh.setCanWrite(false);
    const { outcome } = await run();
    expect(outcome).toEqual({
      ok: false,
      retryable: false,
      reason: 'the token in GITHUB_TOKEN lacks permission (403: Resource not accessible by personal access token): it needs actions:write (fine-grained token: Actions read and write) on acme/payments',
    });
  });

  it('reports an exhausted rate limit as retryable, with the reset time', async () => {
    gh.setRateLimited(true);
    const { outcome } = await run();
    expect(outcome).toMatchObject({ ok: false, retryable: true, reason: expect.stringMatching(/^GitHub API rate limit for the token in GITHUB_TOKEN is exhausted \(403\); it resets at \S+Z$/) });
    const resetAt = Date.parse(/resets at (\S+)$/.exec((outcome as { reason: string }).reason)![1]!);
    expect(resetAt - Date.now()).toBeGreaterThan(29 * 60_000);
    expect(resetAt - Date.now()).toBeLessThan(31 * 60_000);
  });

  it('retries 5xx with backoff, and fails retryable when GitHub stays down', async () => {
    gh.failNext(2, 502);
    const ok = await run();
    expect(ok.outcome).toMatchObject({ ok: true });
    expect(ok.lines.slice(0, 2)).toEqual(['GitHub answered 502 to the workflow runs list; retrying', 'GitHub answered 502 to the workflow runs list; retrying']);

    gh.reset();
    gh.failNext(100, 503);
    const down = await run();
    expect(down.outcome).toEqual({ ok: false, retryable: true, reason: 'GitHub answered 503 to the workflow runs list (after 4 attempts)' });
    expect(gh.dispatches).toHaveLength(0);
  });

  it('does not dispatch twice when the dispatch was accepted but its answer was a 502', async () => {
    gh.loseNextDispatchAnswer(502);
    const { outcome, lines } = await run();
    expect(outcome).toMatchObject({ ok: true });
    expect(lines[0]).toBe('GitHub answered 502 to the workflow dispatch; checking whether the run started anyway before dispatching again');
    expect(gh.dispatches).toHaveLength(1);
  });

  it('gives up on a GitHub that never answers, as retryable', async () => {
    gh.setStalled(true);
    const started = Date.now();
    const { outcome } = await run(make({}, { requestTimeoutMs: 100 }));
    expect(outcome).toEqual({ ok: false, retryable: true, reason: 'GitHub did not answer the workflow runs list within 100ms (after 4 attempts)' });
    expect(Date.now() - started).toBeLessThan(3_000);
    gh.setStalled(false);
  });

  it('resumes: after an abort, the same event attaches to the run already going instead of dispatching again', async () => {
    gh.setPhaseMs(100, 500);
    const eventId = randomUUID();
    const stop = new AbortController();
    const first = await run(make(), eventId, {
      signal: stop.signal,
      onProgress: (line) => {
        said.push(line);
        if (line.endsWith('in_progress')) stop.abort();
      },
    });
    expect(first.outcome).toEqual({ ok: false, retryable: true, reason: 'aborted' });

    const second = await run(make(), eventId);
    expect(second.outcome).toMatchObject({ ok: true, summary: `workflow run #1 concluded success: ${runUrl(1)}` });
    expect(second.lines).toEqual([`attached to run #1 in_progress: ${runUrl(1)} (already dispatched for this event)`, 'run #1 completed: success']);

    // Once more after it finished: the rollback already happened, so its outcome is reported, nothing is dispatched.
    const third = await run(make(), eventId);
    expect(third.outcome).toMatchObject({ ok: true });
    expect(third.lines).toEqual([`attached to run #1 completed: ${runUrl(1)} (already dispatched for this event)`, 'run #1 completed: success']);
    expect(gh.dispatches).toHaveLength(1);
  });

  it('works against a GitHub Enterprise Server API path (/api/v3)', async () => {
    const ghe = await startFakeGithub({ token: TOKEN, repository: 'acme/payments', workflows: WORKFLOWS, basePath: '/api/v3' });
    try {
      const { outcome } = await run(make({}, { api: ghe.url }));
      expect(outcome).toMatchObject({ ok: true });
      expect(ghe.requests.every((r) => r.path.startsWith('/api/v3/repos/acme/payments/actions/'))).toBe(true);
    } finally {
      await ghe.close();
    }
  });

  it('never puts the token in a reason, a progress line or a log line', () => {
    expect(said.length).toBeGreaterThan(30);
    expect(logs.length).toBeGreaterThan(5);
    for (const text of [...said, ...logs]) expect(text).not.toContain(TOKEN);
  });
});

describe('github-actions executor config', () => {
  const yaml = (executor: string) => `
environments:
  production: {}
services:
  x:
    environments: [production]
    executor:
${executor
  .trim()
  .split('\n')
  .map((l) => `      ${l.trim()}`)
  .join('\n')}
`;
  const VALID = `
kind: github-actions
repository: acme/payments
workflow: rollback.yml
ref: main
token_env: GITHUB_TOKEN
inputs: { extra: value }
`;

  it('accepts a block, fills the defaults, and builds the executor from it', () => {
    const r = parseConfig(yaml(VALID));
    if (!r.ok) throw new Error(JSON.stringify(r.errors));
    const executor = r.config.resolve('x', 'production')!.executor;
    expect(executor).toEqual({
      kind: 'github-actions',
      api_url: 'https://api.github.com',
      repository: 'acme/payments',
      workflow: 'rollback.yml',
      ref: 'main',
      token_env: 'GITHUB_TOKEN',
      inputs: { extra: 'value' },
      poll_interval: 5_000,
      find_timeout: 120_000,
      timeout: 1_800_000,
    });
    const built = createExecutor(executor, { logger: createLogger({ level: 'silent' }), secret: () => undefined });
    expect(built).toMatchObject({ kind: 'github-actions', resumable: true });
  });

  it.each([
    ['a repository without an owner', VALID.replace('acme/payments', 'payments'), 'services.x.executor.repository', 'expected owner/repository, such as acme/payments'],
    ['a workflow that is neither a file nor an id', VALID.replace('rollback.yml', 'Rollback'), 'services.x.executor.workflow', 'expected a workflow file name such as rollback.yml, or its numeric id'],
    ['an input backstop sends itself', VALID.replace('extra: value', 'event_id: x'), 'services.x.executor.inputs', 'target_version, target_commit, event_id are sent by backstop and cannot be set here'],
    ['a bad duration', `${VALID}poll_interval: soon`, 'services.x.executor.poll_interval', 'expected a duration such as 30s, 15m or 1h, got "soon"'],
  ])('rejects %s with its path', (_name, block, path, message) => {
    const r = parseConfig(yaml(block));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors).toContainEqual({ path, message });
  });
});

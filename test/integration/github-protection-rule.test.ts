import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBackstop, testPolicy, waitFor, type Backstop } from '../support/harness.ts';
import { startFakeGithub, type FakeGithub } from '../support/fake-github.ts';
import { GITHUB_APP_ENV, GITHUB_APP_ID as APP_ID, GITHUB_INSTALLATION as INSTALLATION, GITHUB_WEBHOOK_SECRET as SECRET, githubAppKeys as keys, githubAppPolicy } from '../support/github-app-setup.ts';

// backstop as a GitHub App's custom deployment protection rule, set up as a user would: github_app in the policy file,
// the App's private key and webhook secret in the environment, and the repository mapped to a service. The fake GitHub
// sends signed, real-shaped deployment_protection_rule events and checks the App's JWT, its installation token and
// every callback.

const SHA = '9fceb02d0ae598e95dc970b74767f19372d61af8';

describe('GitHub deployment protection rule', () => {
  let gh: FakeGithub;
  let b: Backstop;
  let runId = 1000;

  beforeAll(async () => {
    gh = await startFakeGithub({ app: { id: APP_ID, publicKey: keys.publicKey, installations: { [INSTALLATION]: ['acme/payments', 'acme/unknown'] } } });
    const policy = testPolicy({ executorArgv: ['true'], onNoData: 'pass', monitoring: 'monitoring: { tick: 200ms }' })
      .concat(githubAppPolicy(gh.url))
      .replace(
        '    executor: { kind: command, argv: ["true"], timeout: 20s, idempotent: false }\n',
        '    executor: { kind: command, argv: ["true"], timeout: 20s, idempotent: false }\n    github: { repository: acme/payments, environments: { prod: production, staging: staging } }\n',
      );
    b = await startBackstop({ policy, env: GITHUB_APP_ENV });
  });
  afterAll(async () => {
    await b?.close();
    await gh?.close();
  });

  const send = (repository: string, environment: string, signature: 'valid' | 'wrong' | 'missing' = 'valid') =>
    gh.sendProtectionRuleEvent({ url: `${b.url}/api/github/webhook`, secret: SECRET, repository, environment, runId: ++runId, sha: SHA, ref: 'main', installationId: INSTALLATION, signature });
  const answersFor = (run: number) => gh.protectionRuleAnswers.filter((a) => a.runId === run);

  it('approves a deploy to an environment nothing freezes, at once', async () => {
    const sent = await send('acme/payments', 'staging');
    expect(sent.status, sent.body).toBe(200);
    expect(JSON.parse(sent.body)).toMatchObject({ state: 'approved', duplicate: false });
    expect(answersFor(runId)).toEqual([expect.objectContaining({ body: expect.objectContaining({ environment_name: 'staging', state: 'approved', comment: expect.stringMatching(/^backstop: allowed: payments 9fceb02/) }) })]);
  });

  it('comments on a frozen deploy at once, then approves it within a tick of the freeze lifting', async () => {
    const freeze = await b.api('POST', '/api/freezes', 'alice', { service: 'payments', environment: 'production', duration: '1h', reason: 'database failover drill' });
    expect(freeze.status).toBe(201);
    const sent = await send('acme/payments', 'prod');
    expect(JSON.parse(sent.body)).toMatchObject({ state: 'waiting' });
    const run = runId;
    expect(answersFor(run)).toEqual([expect.objectContaining({ body: expect.objectContaining({ environment_name: 'prod', comment: expect.stringMatching(/denied: payments 9fceb02\S* to production is frozen[\s\S]*database failover drill/) }) })]);
    expect(answersFor(run)[0]!.body.state).toBeUndefined();

    // Ticks while frozen tell GitHub nothing new.
    await new Promise((r) => setTimeout(r, 600));
    expect(answersFor(run)).toHaveLength(1);

    expect((await b.api('POST', `/api/freezes/${freeze.body.freeze_id}/lift`, 'alice', { reason: 'drill done' })).status).toBe(200);
    const approved = await waitFor('GitHub to be told to go ahead', async () => answersFor(run).find((a) => a.body.state === 'approved'), 10_000);
    expect(approved.body.comment).toMatch(/^backstop: allowed: payments/);
    // GitHub hears first; backstop records the answer just after.
    const audited = async () => (await b.running.deps.pool.query(`select result from ops.audit_log where action = 'github.protection_rule' and details->>'repository' = 'acme/payments' order by id`)).rows.map((r) => r.result);
    await expect.poll(audited, { timeout: 5_000 }).toEqual(['approved', 'approved']);
  });

  it('rejects a repository or environment the policy file does not map, saying how to map it, never approving it', async () => {
    const sent = await send('acme/unknown', 'production');
    expect(JSON.parse(sent.body)).toMatchObject({ state: 'rejected' });
    expect(answersFor(runId)).toEqual([
      expect.objectContaining({ body: expect.objectContaining({ state: 'rejected', comment: expect.stringMatching(/backstop does not know acme\/unknown's environment "production": add services\.<name>\.github/) }) }),
    ]);
  });

  it('refuses a delivery with a bad or missing signature with 401, audits it, and answers GitHub nothing', async () => {
    const before = gh.protectionRuleAnswers.length;
    for (const signature of ['wrong', 'missing'] as const) {
      const sent = await send('acme/payments', 'staging', signature);
      expect(sent.status).toBe(401);
      expect(JSON.parse(sent.body).error.code).toBe('UNAUTHORIZED');
    }
    expect(gh.protectionRuleAnswers.length).toBe(before);
    // Audited as every refusal of the API is (bounded per source address), with what was wrong, never the body.
    const refusals = async () =>
      (await b.running.deps.pool.query(`select reason, details->>'route' as route from ops.audit_log where action = 'api.refused' and details->>'route' = '/api/github/webhook'`)).rows;
    await expect.poll(refusals, { timeout: 5_000 }).toEqual([
      { reason: 'the request carries no signature that verifies', route: '/api/github/webhook' },
      { reason: 'the request carries no signature that verifies', route: '/api/github/webhook' },
    ]);
  });

  it('decides a redelivery once', async () => {
    const sent = await send('acme/payments', 'staging');
    const redelivered = await fetch(`${b.url}/api/github/webhook`, { method: 'POST', headers: sent.headers, body: sent.rawBody });
    expect(redelivered.status).toBe(200);
    expect(await redelivered.json()).toMatchObject({ duplicate: true, state: 'approved' });
    expect(answersFor(runId)).toHaveLength(1);
  });

  it('retries a callback GitHub fails, from the tick, until it lands', async () => {
    gh.failNextCallbacks(1, 502);
    const sent = await send('acme/payments', 'staging');
    expect(JSON.parse(sent.body)).toMatchObject({ state: 'waiting' });
    const run = runId;
    await waitFor('the tick to answer it', async () => answersFor(run).find((a) => a.body.state === 'approved'), 15_000);
    const row = async () => (await b.running.deps.pool.query(`select state, last_error from ops.github_protection_requests where delivery_id = $1`, [sent.deliveryId])).rows[0];
    await expect.poll(row, { timeout: 5_000 }).toEqual({ state: 'approved', last_error: null });
  });
});

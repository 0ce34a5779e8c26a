import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, startCli } from '../support/cli-process.ts';
import { startBackstop, testPolicy, waitFor, type Backstop } from '../support/harness.ts';

// `--wait` as an on-call engineer uses it: the CLI follows a rollback that a real worker runs (the harness's, in this
// process) by reading the database, prints one line per change, and answers with an exit code.

// A real executor: payments deploys, search's deploy fails (its image is gone), as a broken deploy script would.
const EXECUTOR = ['sh', '-c', 'if [ "$BACKSTOP_SERVICE" = search ]; then echo "image search:$BACKSTOP_TARGET_VERSION not found" >&2; exit 1; fi; echo "deployed $BACKSTOP_TARGET_VERSION"'];
const LINE = /^ *\d+(\.\d)?s {2}|^\d+m\d{2}s {2}/;

describe('backstop rollback … --wait', () => {
  let b: Backstop;
  beforeAll(async () => {
    b = await startBackstop({ policy: testPolicy({ executorArgv: EXECUTOR, onNoData: 'pass' }) });
  });
  afterAll(async () => b?.close());

  const deploy = async (service: string, environment: string, version: string, good: boolean) => {
    const id = (await b.api('POST', '/api/deployments', 'ci', { service, environment, version, git_commit: 'abc1234' })).body.deployment_id as string;
    await b.api('POST', `/api/deployments/${id}/complete`, 'ci', { status: good ? 'success' : 'failed', health_check_passed: good });
    return id;
  };

  it('follows a rollback to success, one plain line per change, and exits 0', async () => {
    await deploy('payments', 'staging', 'v1', true);
    const bad = await deploy('payments', 'staging', 'v2', false);
    const run = await cli(b.childEnv, 'rollback', 'request', bad, '-r', 'v2 double-charges', '--as', 'dana', '--wait');
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).not.toMatch(/\x1b|\r/);
    const lines = run.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^rollback [0-9a-f-]{36}: approved, payments\/staging v2 → v1 \(abc1234\)$/);
    const progress = lines.filter((l) => LINE.test(l)).map((l) => l.replace(LINE, ''));
    // Every step in the order the worker ran it (a step may start and end between two polls: then only its end shows).
    const steps = progress.filter((l) => /^(validate|snapshot|execute|verify|finish) (done|started)/.test(l)).map((l) => l.split(' ')[0]);
    expect([...new Set(steps)]).toEqual(['validate', 'snapshot', 'execute', 'verify', 'finish']);
    expect(progress.find((l) => l.startsWith('execute done'))).toMatch(/^execute done in \d+ ms: deployed v1$/);
    expect(progress.at(-1)).toBe('succeeded');
  }, 60_000);

  it('exits 5 when the rollback fails, with the executor’s reason', async () => {
    await deploy('search', 'staging', 's1', true);
    const bad = await deploy('search', 'staging', 's2', false);
    const run = await cli(b.childEnv, 'rollback', 'request', bad, '-r', 'search is down', '--as', 'dana', '--wait');
    expect(run.code, run.stdout + run.stderr).toBe(5);
    expect(run.stdout).toMatch(/^ *[\d.]+s {2}execute failed in \d+ ms: .*image search:s1 not found/m);
    expect(run.stdout).toMatch(/^ *[\d.]+s {2}failed: executor failed: .*\n/m);
    expect(run.stdout).toContain('details: `backstop rollback status ');
  }, 60_000);

  it('waits through a second approval: says who is missing, goes on when they approve, --json ends with the API body', async () => {
    await deploy('payments', 'production', 'p1', true);
    const bad = await deploy('payments', 'production', 'p2', false);
    const requester = startCli(b.childEnv, 'rollback', 'request', bad, '-r', 'p2 drops orders', '--as', 'dana', '--wait');
    await waitFor('the request to wait for a second approver', async () => /awaiting_approval: 1 of 2 \(dana\); waiting for 1 more approver/.test(requester.stdout()), 30_000, 50);
    const eventId = /rollback ([0-9a-f-]{36}): awaiting_approval/.exec(requester.stdout())![1]!;
    expect(requester.stdout()).toContain(`another approver runs \`backstop rollback approve ${eventId} -r <reason>\``);

    const approver = await cli(b.childEnv, 'rollback', 'approve', eventId, '-r', 'confirmed', '--as', 'erin', '--wait', '--json');
    expect(approver.code, approver.stderr).toBe(0);
    // The one JSON document on stdout is the rollback as it ended, as the API shows it; progress went to stderr.
    expect(JSON.parse(approver.stdout)).toEqual((await b.api('GET', `/api/rollbacks/${eventId}`, 'viewer')).body);
    expect(JSON.parse(approver.stdout).status).toBe('succeeded');
    expect(approver.stderr).toMatch(/ succeeded\n/);

    expect(await requester.exit).toBe(0);
    expect(requester.stdout()).toMatch(/approved by dana, erin(; waiting for a worker)?\n/);
    expect(requester.stdout()).toMatch(/ succeeded\n$/);
  }, 60_000);

  it('stops following on Ctrl-C (exit 130) or at --timeout (exit 6) and says the rollback goes on', async () => {
    const bad = await deploy('payments', 'production', 'p3', false);
    const req = await cli(b.childEnv, 'rollback', 'request', bad, '-r', 'p3 is slow', '--as', 'dana');
    const eventId = /rollback ([0-9a-f-]{36}): awaiting_approval/.exec(req.stdout)![1]!;

    const follower = startCli(b.childEnv, 'rollback', 'status', eventId, '--wait');
    await waitFor('the follower to print the status', async () => follower.stdout().includes('awaiting_approval: 1 of 2'), 30_000, 50);
    follower.signal('SIGINT');
    expect(await follower.exit).toBe(130);
    expect(follower.stdout()).toMatch(new RegExp(`stopped following after [\\d.]+s; the rollback goes on \\(now awaiting_approval\\): \`backstop rollback status ${eventId} --wait\` follows it again\\n$`));

    const timed = await cli(b.childEnv, 'rollback', 'status', eventId, '--wait', '--timeout', '1s');
    expect(timed.code, timed.stderr).toBe(6);
    expect(timed.stdout).toMatch(/timed out after 1\.\ds with the rollback awaiting_approval; it goes on/);
    expect(JSON.parse((await cli(b.childEnv, 'rollback', 'status', eventId, '--json')).stdout).status).toBe('awaiting_approval');

    // A --timeout that is not a duration is refused before anything is asked for.
    const typo = await cli(b.childEnv, 'rollback', 'approve', eventId, '-r', 'ok', '--as', 'erin', '--wait', '--timeout', 'soon');
    expect(typo.code).toBe(1);
    expect(typo.stderr).toContain('--timeout: expected a duration such as 90s, 10m or 1h, got "soon"');
    expect((await b.api('GET', `/api/rollbacks/${eventId}`, 'viewer')).body.approvals).toHaveLength(1);
    expect((await cli(b.childEnv, 'rollback', 'cancel', eventId, '--as', 'dana')).code).toBe(0);
  }, 60_000);
});

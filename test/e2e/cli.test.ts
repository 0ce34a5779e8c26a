import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { tmpdir } from 'node:os';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBackstop, testPolicy, waitFor, type Backstop } from '../support/harness.ts';

const run = promisify(execFile);
const CLI = resolve('bin/backstop.mjs');

async function cli(env: Record<string, string>, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [CLI, ...args], { env, timeout: 30_000 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('the backstop CLI', () => {
  let b: Backstop;
  beforeAll(async () => {
    b = await startBackstop({ policy: testPolicy({ executorArgv: ['true'], onNoData: 'pass' }) });
  });
  afterAll(async () => b?.close());

  it('config check prints every error with its path and exits non-zero', async () => {
    const file = join(tmpdir(), `bad-${Date.now()}.yaml`);
    writeFileSync(file, 'environments:\n  production: { approvals: { required: 0 } }\nservices:\n  payments:\n    environments: [production]\n    executor: { kind: shell }\n');
    const bad = await cli(b.childEnv, 'config', 'check', file);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('environments.production.approvals.required: expected a number ≥ 1');
    expect(bad.stderr).toContain('services.payments.executor.kind: unknown kind');
    const good = await cli(b.childEnv, 'config', 'check', resolve('examples/backstop.example.yaml'));
    expect(good.code, good.stderr).toBe(0);
    expect(good.stdout).toMatch(/OK \(policy [0-9a-f]{12}/);
  });

  it('drives a rollback: request, approve as a second person, status, history, evidence, audit verify', async () => {
    const dep = async (version: string, good: boolean) => {
      const id = (await b.api('POST', '/api/deployments', 'ci', { service: 'payments', environment: 'production', version, git_commit: 'abc1234' })).body.deployment_id as string;
      await b.api('POST', `/api/deployments/${id}/complete`, 'ci', { status: good ? 'success' : 'failed', health_check_passed: good });
      return id;
    };
    await dep('v1', true);
    const bad = await dep('v2', false);

    const empty = await cli(b.childEnv, 'rollback', 'request', bad, '--reason', '', '--as', 'dana');
    expect(empty.code).toBe(1);
    expect(empty.stderr).toContain('trigger_reason: reason must not be empty');
    const malformed = await cli(b.childEnv, 'rollback', 'status', 'abc-123');
    expect(malformed.stderr).toContain('event_id: expected a UUID');

    const req = await cli(b.childEnv, 'rollback', 'request', bad, '--reason', 'Critical bug in payment flow', '--as', 'dana');
    expect(req.code, req.stderr).toBe(0);
    const eventId = /rollback ([0-9a-f-]{36}): awaiting_approval/.exec(req.stdout)?.[1];
    expect(eventId, req.stdout).toBeDefined();
    const self = await cli(b.childEnv, 'rollback', 'approve', eventId!, '--reason', 'me too', '--as', 'dana');
    expect(self.stderr).toContain('ALREADY_DECIDED');
    const approve = await cli(b.childEnv, 'rollback', 'approve', eventId!, '--reason', 'seen the graphs', '--as', 'erin');
    expect(approve.stdout).toMatch(/2\/2 approvals \(dana, erin\); approved/);

    await waitFor('the rollback to succeed', async () => {
      const s = await cli(b.childEnv, 'rollback', 'status', eventId!);
      return JSON.parse(s.stdout).status === 'succeeded';
    }, 20_000, 200);
    const history = JSON.parse((await cli(b.childEnv, 'rollback', 'history', '--service', 'payments', '--limit', '5')).stdout);
    expect(history.rollbacks[0]).toMatchObject({ event_id: eventId, initiated_by: 'dana', status: 'succeeded' });
    const evidence = JSON.parse((await cli(b.childEnv, 'rollback', 'evidence', eventId!)).stdout);
    expect(evidence.approvals.votes.map((v: { approver: string; source: string }) => `${v.approver}/${v.source}`)).toEqual(['dana/cli', 'erin/cli']);
    const audit = await cli(b.childEnv, 'audit', 'verify');
    expect(audit.stdout).toMatch(/audit chain intact: \d+ rows/);

    // Tampering with any row breaks the chain, and verify says where.
    await b.running.deps.pool.query(`update ops.audit_log set reason = 'nothing to see' where action = 'rollback.approve'`);
    const broken = await cli(b.childEnv, 'audit', 'verify');
    expect(broken.code).toBe(1);
    expect(broken.stderr).toMatch(/audit chain BROKEN at row \d+: row \d+ was altered/);
  }, 120_000);

  // The README's CLI table, for the commands the drive above does not already run: each one as the table writes it.
  it('runs the rest of the README table: migrate, check, reject, cancel, automation ack', async () => {
    const table = readFileSync('README.md', 'utf8');
    for (const documented of ['`migrate`', '`rollback cancel <event_id>`', 'check <deployment_id>', '`rollback approve|reject <event_id> -r <reason> [--override]`', '`automation ack <service> <environment>`']) {
      expect(table).toContain(documented);
    }
    // After the drive above, payments in production runs the restored v1; v4 is a bad deploy on top of it.
    const created = await b.api('POST', '/api/deployments', 'ci', { service: 'payments', environment: 'production', version: 'v4', git_commit: 'def5678' });
    const bad = created.body.deployment_id as string;
    await b.api('POST', `/api/deployments/${bad}/complete`, 'ci', { status: 'failed', health_check_passed: false });

    const migrate = await cli(b.childEnv, 'migrate');
    expect(migrate.code, migrate.stderr).toBe(0);
    const check = await cli(b.childEnv, 'rollback', 'check', bad);
    expect(check.code, check.stderr).toBe(0);
    // No health data yet: inconclusive, never healthy, and the same answer the API gives.
    expect(JSON.parse(check.stdout)).toMatchObject({ should_rollback: false, health: { healthy: null }, assessment: { verdict: 'inconclusive' } });
    expect(JSON.parse(check.stdout).reason).toBe((await b.api('POST', '/auto-rollback/check', 'viewer', { deployment_id: bad })).body.reason);

    // Production needs two people: gina asks, hank rejects, and a cancel afterwards is too late.
    const req = await cli(b.childEnv, 'rollback', 'request', bad, '-r', 'v4 breaks refunds', '--as', 'gina');
    const eventId = /rollback ([0-9a-f-]{36}): awaiting_approval/.exec(req.stdout)?.[1];
    expect(eventId, req.stdout + req.stderr).toBeDefined();
    const reject = await cli(b.childEnv, 'rollback', 'reject', eventId!, '-r', 'refunds are fine, it is the bank', '--as', 'hank');
    expect(reject.code, reject.stderr).toBe(0);
    expect(reject.stdout).toContain(`rollback ${eventId}: rejected`);
    const cancel = await cli(b.childEnv, 'rollback', 'cancel', eventId!);
    expect(cancel.code).not.toBe(0);
    expect(cancel.stdout + cancel.stderr).toContain('rejected');
    const ack = await cli(b.childEnv, 'automation', 'ack', 'payments', 'production');
    expect(ack.code, ack.stderr).toBe(0);
    expect(ack.stdout).toBe('no hold on payments in production\n');
  }, 120_000);
});

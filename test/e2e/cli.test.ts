import { readFileSync, writeFileSync } from 'node:fs';
import { stripVTControlCharacters } from 'node:util';
import { join, resolve } from 'node:path';
import { tmpdir } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli } from '../support/cli-process.ts';
import { startBackstop, testPolicy, waitFor, type Backstop } from '../support/harness.ts';

const ESC = '\x1b[';

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
    expect(approve.stdout).toBe(`rollback ${eventId}: approved; approvals 2 of 2 (dana, erin)\n`);

    await waitFor('the rollback to succeed', async () => {
      const s = await cli(b.childEnv, 'rollback', 'status', eventId!, '--json');
      return JSON.parse(s.stdout).status === 'succeeded';
    }, 20_000, 200);
    const history = JSON.parse((await cli(b.childEnv, 'rollback', 'history', '--service', 'payments', '--limit', '5', '--json')).stdout);
    expect(history.rollbacks[0]).toMatchObject({ event_id: eventId, initiated_by: 'dana', status: 'succeeded' });
    // --json answers exactly what the HTTP API answers for the same question.
    expect(history).toEqual((await b.api('GET', '/api/rollbacks?service=payments&limit=5', 'viewer')).body);
    expect(JSON.parse((await cli(b.childEnv, 'rollback', 'status', eventId!, '--json')).stdout)).toEqual((await b.api('GET', `/api/rollbacks/${eventId}`, 'viewer')).body);

    // For people: one row per rollback with the full id; piped, plain text; FORCE_COLOR=1 colours the same text.
    const table = await cli(b.childEnv, 'rollback', 'history', '--service', 'payments');
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).not.toContain(ESC);
    const [header, row, ...rest] = table.stdout.split('\n');
    expect(header).toMatch(/^WHEN \(UTC[^)]*\) +ROLLBACK +SERVICE\/ENV +VERSION +STATUS +TRIGGER +BY +REASON$/);
    expect(row).toMatch(new RegExp(`^\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}  ${eventId}  payments/production  v2 → v1 +succeeded +manual +dana +Critical bug in payment flow$`));
    expect(rest).toEqual(['']);
    const coloured = await cli({ ...b.childEnv, FORCE_COLOR: '1' }, 'rollback', 'history', '--service', 'payments');
    expect(coloured.stdout).toContain(`${ESC}32msucceeded${ESC}39m`);
    expect(stripVTControlCharacters(coloured.stdout)).toBe(table.stdout);
    // Colours are for a terminal: a CI runner's CI=true does not put escape codes into a log or a pipe, NO_COLOR wins.
    expect((await cli({ ...b.childEnv, CI: 'true' }, 'rollback', 'history', '--service', 'payments')).stdout).toBe(table.stdout);
    expect((await cli({ ...b.childEnv, FORCE_COLOR: '1', NO_COLOR: '1' }, 'rollback', 'history', '--service', 'payments')).stdout).toBe(table.stdout);

    const status = await cli(b.childEnv, 'rollback', 'status', eventId!);
    expect(status.stdout).not.toContain(ESC);
    expect(status.stdout).toContain(`rollback ${eventId}\n  service     payments/production\n  status      succeeded`);
    expect(status.stdout).toContain('  plan        v2 (abc1234) → v1 (abc1234), full, 0 migrations to revert\n');
    expect(status.stdout).toContain('  approvals   2 of 2 (dana, erin); approved\n');
    expect(status.stdout).toMatch(/ {2}steps {7}validate +done +\d+ ms\n +snapshot +done .*\n +execute +done .*\n +verify +done .*\n +finish +done /);
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
    const check = await cli(b.childEnv, 'rollback', 'check', bad, '--json');
    expect(check.code, check.stderr).toBe(0);
    // No health data yet: inconclusive, never healthy, and the same answer the API gives, field for field.
    expect(JSON.parse(check.stdout)).toMatchObject({ should_rollback: false, health: { healthy: null }, assessment: { verdict: 'inconclusive' } });
    expect(JSON.parse(check.stdout)).toEqual((await b.api('POST', '/auto-rollback/check', 'viewer', { deployment_id: bad })).body);
    // For people: the answer in words first, then what it was judged from.
    const words = await cli(b.childEnv, 'rollback', 'check', bad);
    expect(words.stdout.split('\n')[0]).toMatch(/^cannot tell yet: /);
    expect(words.stdout).toContain(`deployment  ${bad}: payments/production v4 (def5678)`);
    expect(words.stdout).toMatch(/verdict {5}inconclusive\n/);

    // Production needs two people: gina asks, hank rejects, and a cancel afterwards is too late.
    const req = await cli(b.childEnv, 'rollback', 'request', bad, '-r', 'v4 breaks refunds', '--as', 'gina');
    const eventId = /rollback ([0-9a-f-]{36}): awaiting_approval/.exec(req.stdout)?.[1];
    expect(eventId, req.stdout + req.stderr).toBeDefined();
    const reject = await cli(b.childEnv, 'rollback', 'reject', eventId!, '-r', 'refunds are fine, it is the bank', '--as', 'hank');
    expect(reject.code, reject.stderr).toBe(0);
    expect(reject.stdout).toContain(`rollback ${eventId}: rejected`);
    const cancel = await cli(b.childEnv, 'rollback', 'cancel', eventId!);
    expect(cancel.code).toBe(3);
    expect(cancel.stderr).toContain(`rollback ${eventId}: not cancelled, already rejected`);
    // The verbs' --json is the API's body for the same verb.
    const cancelJson = await cli(b.childEnv, 'rollback', 'cancel', eventId!, '--json');
    expect(JSON.parse(cancelJson.stdout)).toEqual((await b.api('POST', `/api/rollbacks/${eventId}/cancel`, 'alice', {})).body);
    const ack = await cli(b.childEnv, 'automation', 'ack', 'payments', 'production');
    expect(ack.code, ack.stderr).toBe(0);
    expect(ack.stdout).toBe('no hold on payments in production\n');
    const ackJson = await cli(b.childEnv, 'automation', 'ack', 'payments', 'production', '--json');
    expect(JSON.parse(ackJson.stdout)).toEqual((await b.api('POST', '/api/automation/payments/production/acknowledge', 'alice')).body);
  }, 120_000);
});

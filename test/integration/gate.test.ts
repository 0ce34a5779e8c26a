import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBackstop, testPolicy, waitFor, type Backstop } from '../support/harness.ts';

// The deploy gate as CI meets it: GET /api/gate before every deploy, over real PostgreSQL, Redis and BullMQ, with a
// real rollback executed and verified. Each case uses a service and environment of its own, so freezes never leak.

const SERVICES = ['orders', 'ledger', 'cart', 'alerts', 'quarantine', 'passes', 'sched'] as const;

// A window the way a user writes one, opened at the start of this very hour (UTC) for two hours, for `sched` only.
const hour = new Date().getUTCHours();
const windowStart = new Date(Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth(), new Date().getUTCDate(), hour));
const freezes = `freezes:
  - name: release-train
    rrule: "FREQ=DAILY;BYHOUR=${hour};BYMINUTE=0"
    time_zone: UTC
    duration: 2h
    reason: Release train boarding
    services: [sched]
`;
const policy = `${testPolicy({ executorArgv: ['true'], onNoData: 'pass' })}${SERVICES.map((s) => `  ${s}:\n    environments: [staging]\n    executor: { kind: command, argv: ["true"] }\n`).join('')}${freezes}`;

describe('the deploy gate', () => {
  let b: Backstop;
  beforeAll(async () => {
    b = await startBackstop({ policy });
  });
  afterAll(async () => b?.close());

  const gate = (service: string, version: string, commit?: string) =>
    b.api('GET', `/api/gate?service=${service}&environment=staging&version=${encodeURIComponent(version)}${commit ? `&commit=${commit}` : ''}`, 'ci');
  const deploy = async (service: string, version: string, good: boolean, commit = 'abcdef0') => {
    const created = await b.api('POST', '/api/deployments', 'ci', { service, environment: 'staging', version, git_commit: commit });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const id = created.body.deployment_id as string;
    await b.api('POST', `/api/deployments/${id}/complete`, 'ci', { status: good ? 'success' : 'failed', health_check_passed: good });
    return { id, recorded: created.body };
  };

  it('allows a deploy when nothing is frozen, and says so', async () => {
    const res = await gate('orders', 'v1.0');
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toMatchObject({ decision: 'allow', freezes: [], exemption: null, may_proceed_at: null, service: 'orders', environment: 'staging', version: 'v1.0' });
    expect(res.body.text).toBe('allowed: orders v1.0 to staging: no freeze');
  });

  it('denies a forward deploy while a rollback is awaiting approval and running, never the rollback to the known-good version, and allows it once the rollback is verified', async () => {
    await deploy('ledger', 'v1.0', true, 'aaaa111');
    const bad = await deploy('ledger', 'v1.1', false, 'bbbb222');
    const requested = await b.api('POST', '/api/rollbacks', 'ci', { deployment_id: bad.id, trigger_reason: 'payments fail after v1.1' });
    expect(requested.status, JSON.stringify(requested.body)).toBe(201);
    const eventId = requested.body.event_id as string;

    const forward = await gate('ledger', 'v1.2');
    expect(forward.body).toMatchObject({ decision: 'deny', may_proceed_at: null });
    expect(forward.body.freezes).toEqual([
      expect.objectContaining({ kind: 'rollback', id: eventId, reason: 'rollback of v1.1 to v1.0 is awaiting approval', ends_at: null, ends_when: 'when the rollback ends' }),
    ]);
    expect(forward.body.text).toMatch(/^denied: ledger v1\.2 to staging is frozen \(1 reason\); may go ahead when the rollback ends\n {2}- rollback in progress: rollback of v1\.1 to v1\.0 is awaiting approval/);

    // The rollback's own deploy of the known-good build is never frozen; another build under the same label is.
    const back = await gate('ledger', 'v1.0', 'aaaa111');
    expect(back.body).toMatchObject({ decision: 'allow', exemption: { kind: 'rollback_target' } });
    expect(back.body.freezes).toHaveLength(1);
    expect((await gate('ledger', 'v1.0')).body.decision).toBe('allow');

    // CI that deploys anyway is recorded, and flagged with the gate's reasons.
    const racing = await b.api('POST', '/api/deployments', 'ci', { service: 'ledger', environment: 'staging', version: 'v1.2-hotfix', git_commit: 'cccc333' });
    expect(racing.status).toBe(201);
    expect(racing.body.frozen_by).toEqual([expect.stringMatching(/^rollback in progress: rollback of v1\.1 to v1\.0 is awaiting approval/)]);
    expect(racing.body.warnings).toContainEqual(expect.stringMatching(/^recorded during a freeze: /));
    const audit = await b.running.deps.pool.query(`select result, severity from ops.audit_log where action = 'deployment.record' and subject = $1`, [racing.body.deployment_id]);
    expect(audit.rows).toEqual([{ result: 'recorded during a freeze', severity: 'warning' }]);
    await b.api('POST', `/api/deployments/${racing.body.deployment_id}/complete`, 'ci', { status: 'failed', health_check_passed: false });

    const approved = await b.api('POST', `/api/rollbacks/${eventId}/approvals`, 'alice', { decision: 'approve', reason: 'confirmed on the dashboard' });
    expect(approved.status, JSON.stringify(approved.body)).toBe(200);
    await waitFor('the rollback to be verified', async () => {
      const e = await b.api('GET', `/api/rollbacks/${eventId}`, 'viewer');
      return e.body.status === 'succeeded' ? e.body : null;
    }, 30_000);
    const after = await gate('ledger', 'v1.2');
    expect(after.body).toMatchObject({ decision: 'allow', freezes: [] });
  });

  it('holds a scheduled window from the policy file, says when it ends, and tells others when the next one begins', async () => {
    const ends = new Date(windowStart.getTime() + 2 * 3_600_000).toISOString();
    const denied = await gate('sched', 'v7.0');
    expect(denied.body).toMatchObject({ decision: 'deny', may_proceed_at: ends });
    expect(denied.body.freezes).toEqual([
      { kind: 'scheduled', id: 'release-train', reason: 'Release train boarding', set_by: 'policy window release-train', since: windowStart.toISOString(), ends_at: ends, ends_when: `at ${ends}` },
    ]);
    // Other services are not in the window; the next occurrence begins tomorrow, same hour.
    expect((await gate('orders', 'v7.0')).body).toMatchObject({ decision: 'allow', next_window: null });
    expect(denied.body.next_window).toEqual({ name: 'release-train', reason: 'Release train boarding', starts_at: new Date(windowStart.getTime() + 86_400_000).toISOString(), ends_at: new Date(windowStart.getTime() + 86_400_000 + 2 * 3_600_000).toISOString() });
  });

  it('holds a freeze set by hand until it ends or an approver lifts it; a deployer may set one, not lift it', async () => {
    const set = await b.api('POST', '/api/freezes', 'ci', { service: 'cart', environment: 'staging', duration: '2h', reason: 'Black Friday traffic' });
    expect(set.status, JSON.stringify(set.body)).toBe(201);
    expect(Date.parse(set.body.ends_at) - Date.parse(set.body.starts_at)).toBe(2 * 3_600_000);
    const denied = await gate('cart', 'v2.0');
    expect(denied.body).toMatchObject({ decision: 'deny', may_proceed_at: set.body.ends_at });
    expect(denied.body.freezes).toEqual([expect.objectContaining({ kind: 'manual', id: set.body.freeze_id, reason: 'Black Friday traffic', set_by: 'ci', ends_at: set.body.ends_at })]);

    const listed = await b.api('GET', '/api/freezes?service=cart', 'viewer');
    expect(listed.body.frozen).toEqual([{ service: 'cart', environment: 'staging', freezes: denied.body.freezes }]);

    expect((await b.api('POST', `/api/freezes/${set.body.freeze_id}/lift`, 'ci', {})).status).toBe(403);
    const lifted = await b.api('POST', `/api/freezes/${set.body.freeze_id}/lift`, 'alice', { reason: 'traffic is normal' });
    expect(lifted.status, JSON.stringify(lifted.body)).toBe(200);
    expect(lifted.body).toMatchObject({ lifted_by: 'alice' });
    expect((await b.api('POST', `/api/freezes/${set.body.freeze_id}/lift`, 'bob', {})).status).toBe(409);
    expect((await gate('cart', 'v2.0')).body.decision).toBe('allow');
    const audit = await b.running.deps.pool.query(`select action, actor from ops.audit_log where subject = $1 order by id`, [set.body.freeze_id]);
    expect(audit.rows).toEqual([{ action: 'freeze.set', actor: 'ci' }, { action: 'freeze.lift', actor: 'alice' }]);
  });

  it('freezes a service while an Alertmanager alert that names it fires, and lifts it when the alert resolves', async () => {
    const alert = (status: 'firing' | 'resolved') => ({
      version: '4', receiver: 'backstop', status, groupLabels: {}, commonLabels: {}, commonAnnotations: {}, externalURL: 'http://am', groupKey: '{}:{}',
      alerts: [{ status, labels: { alertname: 'QueueBacklog', service: 'alerts', environment: 'staging' }, annotations: { summary: 'backlog above 10k' }, startsAt: '2026-12-04T10:00:00Z', endsAt: '0001-01-01T00:00:00Z', fingerprint: 'f00d' }],
    });
    expect((await b.api('POST', '/api/alerts/alertmanager', 'robot', alert('firing'))).status).toBe(200);
    const denied = await gate('alerts', 'v3.0');
    expect(denied.body.freezes).toEqual([expect.objectContaining({ kind: 'alert', id: 'f00d', reason: 'alert QueueBacklog is firing: backlog above 10k', set_by: 'Alertmanager' })]);
    expect(denied.body.decision).toBe('deny');
    expect((await b.api('POST', '/api/alerts/alertmanager', 'robot', alert('resolved'))).status).toBe(200);
    expect((await gate('alerts', 'v3.0')).body).toMatchObject({ decision: 'allow', freezes: [] });
  });

  it('denies a quarantined version, and only that version', async () => {
    await b.running.deps.pool.query(
      `insert into ops.deployments (service, environment, version, git_commit, status, quarantined) values ('quarantine', 'staging', 'v4.0', 'dddd444', 'rolled_back', true)`,
    );
    const denied = await gate('quarantine', 'v4.0');
    expect(denied.body).toMatchObject({ decision: 'deny', may_proceed_at: null });
    expect(denied.body.freezes).toEqual([expect.objectContaining({ kind: 'quarantine', reason: 'version v4.0 was rolled back before and is quarantined' })]);
    expect((await gate('quarantine', 'v4.1')).body.decision).toBe('allow');
  });

  it('lets one deploy through a freeze with the override role, a reason and a second person, once', async () => {
    await b.api('POST', '/api/freezes', 'alice', { service: 'passes', environment: 'staging', duration: '1h', reason: 'incident review' });
    expect((await b.api('POST', '/api/gate/passes', 'alice', { service: 'passes', environment: 'staging', version: 'v5.1', reason: 'security fix' })).status).toBe(403);
    const asked = await b.api('POST', '/api/gate/passes', 'bob', { service: 'passes', environment: 'staging', version: 'v5.1', reason: 'security fix CVE-2026-1234' });
    expect(asked.status, JSON.stringify(asked.body)).toBe(201);
    expect(asked.body).toMatchObject({ state: 'awaiting_second_person', requested_by: 'bob', granted_by: null });
    // Asked for, not granted: still denied. The asker cannot be the second person.
    expect((await gate('passes', 'v5.1')).body.decision).toBe('deny');
    const self = await b.api('POST', `/api/gate/passes/${asked.body.pass_id}/grant`, 'bob', {});
    expect(self.status).toBe(403);
    expect(self.body.error.message).toMatch(/someone other than bob/);
    const granted = await b.api('POST', `/api/gate/passes/${asked.body.pass_id}/grant`, 'alice', {});
    expect(granted.status, JSON.stringify(granted.body)).toBe(200);
    expect(granted.body).toMatchObject({ state: 'granted', granted_by: 'alice' });

    const through = await gate('passes', 'v5.1');
    expect(through.body).toMatchObject({ decision: 'allow', exemption: { kind: 'pass', pass_id: asked.body.pass_id, reason: 'let through by bob and alice: security fix CVE-2026-1234' } });
    expect((await gate('passes', 'v5.2')).body.decision).toBe('deny');

    // The deployment CI records with it spends the pass (unflagged); the next deploy of it is frozen again.
    const first = await b.api('POST', '/api/deployments', 'ci', { service: 'passes', environment: 'staging', version: 'v5.1', git_commit: 'eeee555' });
    expect(first.body.frozen_by).toBeNull();
    expect((await gate('passes', 'v5.1')).body.decision).toBe('deny');
    const again = await b.api('POST', '/api/deployments', 'ci', { service: 'passes', environment: 'staging', version: 'v5.1', git_commit: 'eeee555' });
    expect(again.body.frozen_by).toEqual([expect.stringMatching(/^freeze: incident review/)]);
    const audit = await b.running.deps.pool.query(`select action, actor, severity from ops.audit_log where subject = $1 order by id`, [asked.body.pass_id]);
    expect(audit.rows).toEqual([
      { action: 'gate.pass_request', actor: 'bob', severity: 'warning' },
      { action: 'gate.pass_grant', actor: 'alice', severity: 'high' },
    ]);
  });

  it('answers a wrong question with a clear error, never a deny or a 500', async () => {
    const unknown = await b.api('GET', '/api/gate?service=nope&environment=staging&version=v1', 'ci');
    expect(unknown.status).toBe(422);
    expect(unknown.body.error).toMatchObject({ code: 'UNKNOWN_SERVICE' });
    const missing = await b.api('GET', '/api/gate?service=orders&environment=staging', 'ci');
    expect(missing.status).toBe(400);
    expect(missing.body.error.details).toEqual([expect.objectContaining({ path: 'version' })]);
    const badDuration = await b.api('POST', '/api/freezes', 'ci', { service: 'orders', environment: 'staging', duration: '90d', reason: 'x' });
    expect(badDuration.status).toBe(400);
    expect(badDuration.body.error.details).toEqual([expect.objectContaining({ path: 'duration', message: expect.stringMatching(/at most 30d/) })]);
    expect((await b.api('GET', '/api/gate?service=orders&environment=staging&version=v1', null)).status).toBe(401);
  });
});

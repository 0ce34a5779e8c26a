import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBackstop, waitFor, type Backstop } from '../support/harness.ts';
import { ESCALATION_ACTIONS } from '../../src/db/schema/index.ts';
import { recordWatched } from '../support/watched-deploys.ts';

// Health monitoring end to end over HTTP, with real Postgres, Redis and BullMQ: pushed samples judged on arrival,
// the tick for what does not arrive, and every decision on the ladder.

const SERVICES = ['auto', 'flappy', 'veto', 'vetoed', 'missing', 'breaker', 'unfixed', 'calm', 'alerted', 'already'] as const;

const policy = `
monitoring:
  tick: 300ms
  watch_window: 3s
  stale_after: 10s
  veto: 1500ms
  recheck_after: 1s
  circuit_breaker: { max_automatic: 1, per: 1h }
api:
  tokens:
    ci: { roles: [deployer] }
    alice: { roles: [approver] }
    bob: { roles: [approver] }
    viewer: { roles: [viewer] }
defaults:
  rules:
    - { name: error-rate-critical, metric: error_rate_per_minute, op: ">", threshold: 5, action: auto }
  approvals: { required: 1 }
  verification: { window: 300ms, interval: 100ms, on_no_data: pass }
environments:
  prod: {}
services:
${SERVICES.map((s) => `  ${s}:\n    environments: [prod]\n    executor: { kind: command, argv: ["true"] }`).join('\n')}
`
  .replace(
    '  flappy:\n    environments: [prod]\n    executor: { kind: command, argv: ["true"] }',
    '  flappy:\n    environments: [prod]\n    executor: { kind: command, argv: ["true"] }\n    rules:\n      - { name: error-rate-critical, metric: error_rate_per_minute, op: ">", threshold: 5, for: 3, action: auto }',
  )
  .replace(
    '  veto:\n    environments: [prod]\n    executor: { kind: command, argv: ["true"] }',
    '  veto:\n    environments: [prod]\n    executor: { kind: command, argv: ["true"] }\n    rules:\n      - { name: error-rate-critical, metric: error_rate_per_minute, op: ">", threshold: 5, action: auto_with_veto }',
  )
  .replace(
    '  vetoed:\n    environments: [prod]\n    executor: { kind: command, argv: ["true"] }',
    '  vetoed:\n    environments: [prod]\n    executor: { kind: command, argv: ["true"] }\n    rules:\n      - { name: error-rate-critical, metric: error_rate_per_minute, op: ">", threshold: 5, action: auto_with_veto, veto: 20s }',
  )
  .replace(
    '  missing:\n    environments: [prod]\n    executor: { kind: command, argv: ["true"] }',
    '  missing:\n    environments: [prod]\n    executor: { kind: command, argv: ["true"] }\n    rules:\n      - { name: silent, metric: error_rate_per_minute, op: ">", threshold: 5, for: 2, on_missing: fail, action: propose }',
  )
  .replace(
    '  unfixed:\n    environments: [prod]\n    executor: { kind: command, argv: ["true"] }',
    '  unfixed:\n    environments: [prod]\n    executor: { kind: command, argv: ["true"] }\n    verification: { window: 300ms, interval: 100ms, on_no_data: pass }',
  );

describe('health monitoring', () => {
  let b: Backstop;

  beforeAll(async () => {
    b = await startBackstop({ policy });
  });
  afterAll(async () => b?.close());

  const deploy = (service: string, version: string, good = true) => recordWatched(b, service, version, good);
  const push = (id: string, errorRate: number) => b.api('POST', `/api/deployments/${id}/health`, 'ci', { error_rate_per_minute: errorRate });
  /** A healthy sample for the deployment a rollback of `bad` restored. */
  async function pushRestoredHealthy(bad: string) {
    const rows = await b.running.deps.pool.query(`select deployment_id from ops.deployments where rollback_from = $1`, [bad]);
    await push(rows.rows[0].deployment_id, 0.1);
  }
  type Decision = { action: string; summary: string; event_id: string };
  /**
   * The decision made of a pushed sample. The monitor's tick and the arrival path both judge each sample once, and the
   * tick may get there first; then the push answers null and the decision row says what was decided.
   */
  async function decisionOf(res: { body: { decision?: Decision | null } }, deploymentId: string, action?: string): Promise<Decision> {
    if (res.body.decision) return res.body.decision;
    // A rollback decision carries its event; a warning has none, so it is found by its action. An escalation carries
    // the event too, and is written just before the decision that pages (act.ts): it is not the decision.
    const which = action ? 'action = $2' : 'event_id is not null and not (action = any($2))';
    return waitFor('the monitor to decide', async () => {
      const rows = await b.running.deps.pool.query(`select action, summary, event_id from ops.health_decisions where deployment_id = $1 and ${which} order by id limit 1`, [deploymentId, action ?? [...ESCALATION_ACTIONS]]);
      return rows.rows[0] as Decision | undefined;
    });
  }
  const decisionsOf = async (deploymentId: string) =>
    (await b.running.deps.pool.query('select count(*)::int as n from ops.health_decisions where deployment_id = $1 and event_id is not null', [deploymentId])).rows[0].n as number;
  const event = async (id: string) => (await b.api('GET', `/api/rollbacks/${id}`, 'viewer')).body;
  const finalOf = (id: string) => waitFor(`rollback ${id} to end`, async () => {
    const e = await event(id);
    return ['succeeded', 'failed', 'rejected', 'cancelled', 'expired'].includes(e.status) ? e : null;
  }, 15_000);

  it('rolls a bad deploy back automatically on the breaching sample, and explains why', async () => {
    await deploy('auto', 'v1');
    const bad = await deploy('auto', 'v2', false);
    const res = await push(bad, 8.5);
    expect(res.status).toBe(201);
    // The reason in the seed's words; the rule and its numbers are the evidence.
    const decision = await decisionOf(res, bad);
    expect(decision).toMatchObject({ action: 'auto', summary: 'High error rate (8.5 errors/minute)' });
    const done = await finalOf(decision.event_id);
    expect(done.status).toBe('succeeded');
    expect(done.trigger_type).toBe('automatic');
    expect(done.trigger_reason).toBe('High error rate (8.5 errors/minute)');
    expect(done.trigger_data).toMatchObject({ metric: 'error_rate_per_minute', observed: 8.5, op: '>', threshold: 5, decision: 'auto' });
    expect(done.trigger_data.evidence[0].explanation).toBe('error-rate-critical: error_rate_per_minute = 8.5 > 5, 1/1 consecutive');
  });

  it('holds a flapping metric back until it breaches three checks in a row', async () => {
    await deploy('flappy', 'v1');
    const bad = await deploy('flappy', 'v2', false);
    for (const rate of [9, 0.1, 9, 9, 0.2, 9]) expect((await push(bad, rate)).body.decision).toBeNull();
    expect((await push(bad, 9)).body.decision).toBeNull();
    // Nothing was decided by the tick either, before the third breach in a row.
    expect(await decisionsOf(bad)).toBe(0);
    const third = await decisionOf(await push(bad, 9), bad);
    expect(third).toMatchObject({ action: 'auto', summary: 'High error rate (9 errors/minute)' });
    expect((await event(third.event_id)).trigger_data.evidence[0].explanation).toContain('3/3 consecutive');
    expect(await decisionsOf(bad)).toBe(1);
  });

  it('starts an auto-with-veto rollback when nobody vetoes the countdown', async () => {
    await deploy('veto', 'v1');
    const bad = await deploy('veto', 'v2', false);
    const decision = await decisionOf(await push(bad, 12), bad);
    expect(decision.action).toBe('auto_with_veto');
    const eventId = decision.event_id;
    expect((await event(eventId)).status).toBe('awaiting_approval');
    expect((await finalOf(eventId)).status).toBe('succeeded');
  });

  it('lets an approver veto the countdown', async () => {
    await deploy('vetoed', 'v1');
    const bad = await deploy('vetoed', 'v2', false);
    const eventId = (await decisionOf(await push(bad, 12), bad)).event_id;
    const veto = await b.api('POST', `/api/rollbacks/${eventId}/approvals`, 'alice', { decision: 'reject', reason: 'known blip, dashboards are fine' });
    expect(veto.status, JSON.stringify(veto.body)).toBe(200);
    expect((await finalOf(eventId)).status).toBe('rejected');
  });

  it('treats missing data as a failure where the rule says so, and proposes after two silent checks', async () => {
    await deploy('missing', 'v1');
    const bad = await deploy('missing', 'v2', false);
    const proposed = await waitFor('a proposal from silence', async () => {
      const list = await b.api('GET', '/api/rollbacks?service=missing', 'viewer');
      return list.body.rollbacks?.find((r: { deployment_id: string }) => r.deployment_id === bad);
    }, 10_000);
    expect(proposed.status).toBe('awaiting_approval');
    expect(proposed.trigger_reason).toBe('No data for error_rate_per_minute (the rule counts silence as a failure)');
    expect((await event(proposed.event_id)).trigger_data.evidence[0].explanation).toMatch(/^silent: no data for error_rate_per_minute .*counted as a failure, 2\/2 consecutive/);
  });

  it('opens the circuit breaker after the allowed automatic rollbacks, proposes instead and pages on-call', async () => {
    await deploy('breaker', 'v1');
    const first = await deploy('breaker', 'v2', false);
    const a = await decisionOf(await push(first, 9), first);
    expect((await finalOf(a.event_id)).status).toBe('succeeded');
    // Healthy again before the next deploy, so its breach is its own (not "already breaching before it").
    await pushRestoredHealthy(first);
    const second = await deploy('breaker', 'v3', false);
    const c = await decisionOf(await push(second, 9), second);
    expect(c.action).toBe('propose');
    expect(c.summary).toContain('circuit breaker open: 1 automatic rollbacks of breaker in prod');
    expect(b.notifier.kinds(c.event_id)).toContain('escalated');
  });

  it('escalates a rollback that did not restore health, and holds automation until acknowledged', async () => {
    await deploy('unfixed', 'v1');
    const bad = await deploy('unfixed', 'v2', false);
    const eventId = (await decisionOf(await push(bad, 9), bad)).event_id;
    expect((await finalOf(eventId)).status).toBe('succeeded');
    // The restored version is no better.
    const restored = await waitFor('the restored deployment', async () => {
      const rows = await b.running.deps.pool.query(`select deployment_id from ops.deployments where rollback_from = $1`, [bad]);
      return rows.rows[0]?.deployment_id as string | undefined;
    });
    const pushRestored = setInterval(() => void push(restored, 20), 200);
    try {
      await waitFor('escalation', async () => b.notifier.kinds(eventId).includes('escalated'), 10_000);
    } finally {
      clearInterval(pushRestored);
    }
    expect(b.notifier.notices.find((n) => n.eventId === eventId && n.kind === 'escalated')!.summary).toMatch(/^rollback did not restore health: High error rate \(20 errors\/minute\)/);
    // While held, a new breach only proposes.
    await pushRestoredHealthy(bad);
    const next = await deploy('unfixed', 'v3', false);
    const held = await push(next, 9);
    expect(held.body.decision.action).toBe('propose');
    expect(held.body.decision.summary).toContain('automation is on hold');
    const ack = await b.api('POST', '/api/automation/unfixed/prod/acknowledge', 'alice');
    expect(ack.body).toMatchObject({ holds_released: 1 });
  });

  it('passes a healthy deployment at the end of its watch window, with a post-deployment snapshot', async () => {
    const id = await deploy('calm', 'v1', false);
    const pushing = setInterval(() => void push(id, 0.1), 200);
    try {
      const row = await waitFor('the watch to end', async () => {
        const r = await b.running.deps.pool.query(`select status, health_check_passed, watch_result from ops.deployments where deployment_id = $1`, [id]);
        return r.rows[0].watch_result ? r.rows[0] : null;
      }, 10_000);
      expect(row).toEqual({ status: 'success', health_check_passed: true, watch_result: 'healthy' });
    } finally {
      clearInterval(pushing);
    }
    // The snapshot is written just after the watch result commits (finishWatches), so it may lag the row by a moment.
    const snapshots = async () => (await b.running.deps.pool.query(`select count(*)::int as n from ops.system_snapshots where deployment_id = $1 and snapshot_type = 'post_deployment'`, [id])).rows[0].n;
    await expect.poll(snapshots, { timeout: 5_000 }).toBe(1);
  });

  it('turns a firing Alertmanager alert into a trigger once, records its resolution, and rejects malformed payloads', async () => {
    await deploy('alerted', 'v1');
    const bad = await deploy('alerted', 'v2', false);
    const alert = (status: 'firing' | 'resolved') => ({
      version: '4', receiver: 'backstop', status, groupLabels: {}, commonLabels: {}, commonAnnotations: {}, externalURL: 'http://am', groupKey: '{}:{}',
      alerts: [{ status, labels: { alertname: 'HighErrorRate', service: 'alerted', environment: 'prod' }, annotations: { summary: 'error rate above 5%' }, startsAt: '2026-11-22T14:00:00Z', endsAt: '0001-01-01T00:00:00Z', fingerprint: 'abc123' }],
    });
    const first = await b.api('POST', '/api/alerts/alertmanager', 'ci', alert('firing'));
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    expect(first.body.alerts[0]).toMatchObject({ outcome: 'acted', action: 'propose' });
    const e = await event(first.body.alerts[0].event_id);
    expect(e).toMatchObject({ trigger_type: 'alert', deployment_id: bad, status: 'awaiting_approval' });
    const again = await b.api('POST', '/api/alerts/alertmanager', 'ci', alert('firing'));
    expect(again.body.alerts[0]).toMatchObject({ outcome: 'ignored', reason: 'already decided for this alert' });
    expect((await b.api('POST', '/api/alerts/alertmanager', 'ci', alert('resolved'))).body.alerts[0]).toMatchObject({ outcome: 'recorded' });

    const malformed = await b.api('POST', '/api/alerts/alertmanager', 'ci', { ...alert('firing'), alerts: [{ status: 'firing', labels: 'x' }] });
    expect(malformed.status).toBe(400);
    expect(malformed.body.error.message).toMatch(/^alerts\[0\]\.labels: expected an object|alerts/);
  });

  it('only warns when the metric was already breaching before this deployment', async () => {
    const before = await deploy('already', 'v1');
    await push(before, 9);
    const next = await deploy('already', 'v2', false);
    const decision = await decisionOf(await push(next, 9), next, 'warn');
    expect(decision.action).toBe('warn');
    expect(decision.summary).toContain('probably not caused by this deploy: error_rate_per_minute already breached before it');
    // Whichever path judged it, the warning reaches the channel.
    await expect.poll(() => b.notifier.warnings.find((w) => w.deploymentId === next)?.evidence[0]).toMatchObject({ metric: 'error_rate_per_minute', observed: 9 });
  });
});
